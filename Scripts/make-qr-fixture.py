#!/usr/bin/env python3
"""Writes fixtures/card/qr-reference.txt: QR Codes made by the reference encoder `qrcode` (PyPI), byte mode,
error-correction level M, one line per code: text, version, mask, then the rows of modules (1 dark), '/'-separated;
a line with version `auto-N` holds the mask the reference chose by itself. The membership card's QR encoder is tested
against it. Run by hand: python3 -m pip install qrcode; python3 Scripts/make-qr-fixture.py
"""
import os
import qrcode
from qrcode.util import MODE_8BIT_BYTE, QRData

CASES = [("100000001", 1), ("070707070", 1), ("CHF-ID 2026-XY", 1), ("https://imis.example.org/card/abc", 3),
         ("E" * 20, 2), ("openIMIS insurance number 0123456789 0123456789 0123", 4)]


def make(text, version=None, mask=None):
    qr = qrcode.QRCode(version=version, error_correction=qrcode.constants.ERROR_CORRECT_M, border=0, mask_pattern=mask)
    qr.add_data(QRData(text.encode("utf-8"), mode=MODE_8BIT_BYTE))
    qr.make(fit=version is None)
    return qr


def rows(qr):
    return "/".join("".join("1" if m else "0" for m in row) for row in qr.get_matrix())


lines = []
for text, version in CASES:
    for mask in range(8):
        qr = make(text, version, mask)
        lines.append(f"{text}\t{qr.version}\t{mask}\t{rows(qr)}")
    auto = make(text)
    lines.append(f"{text}\tauto-{auto.version}\t{auto.mask_pattern if auto.mask_pattern is not None else -1}\t{rows(auto)}")

path = os.path.join(os.path.dirname(__file__), "..", "fixtures", "card", "qr-reference.txt")
with open(path, "w") as out:
    out.write("\n".join(lines) + "\n")
