#!/usr/bin/env python3
"""A real SMTP server (aiosmtpd) for the e-mail channel's tests.

Listens on a free loopback port, prints "READY <port>" once it accepts connections, and writes every message
it receives to OUT/<n>.json as {"mail_from", "rcpt_tos", "data", "auth_login", "tls"}.
With --cert/--key it offers STARTTLS (and then requires it), or with --implicit-tls speaks TLS from the first
byte; with --user/--password it offers AUTH and accepts only those credentials; --exclude-auth removes
mechanisms (e.g. PLAIN, to exercise LOGIN). It stops when its standard input closes.

    pip install aiosmtpd
    python3 Scripts/smtp-test-server.py --out DIR [--cert c.pem --key k.pem [--implicit-tls]] [--user u --password p]
"""
import argparse
import asyncio
import json
import os
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult


class Recorder:
    def __init__(self, out):
        self.out = out
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        login = session.auth_data.decode() if isinstance(session.auth_data, bytes) else session.auth_data
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "data": envelope.content.decode("utf-8", errors="replace"),
            "auth_login": login,
            "tls": session.ssl is not None or server.transport.get_extra_info("ssl_object") is not None,
        }
        path = os.path.join(self.out, "%d.json" % self.count)
        with open(path + ".part", "w") as handle:
            json.dump(record, handle)
        os.replace(path + ".part", path)
        return "250 OK"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--implicit-tls", action="store_true")
    parser.add_argument("--user")
    parser.add_argument("--password")
    parser.add_argument("--exclude-auth", action="append", default=[])
    args = parser.parse_args()

    context = None
    if args.cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.cert, args.key)

    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = auth_data.login == args.user.encode() and auth_data.password == args.password.encode()
        return AuthResult(success=ok, handled=False, auth_data=auth_data.login if ok else None)

    recorder = Recorder(args.out)

    def factory():
        starttls = context if not args.implicit_tls else None
        options = dict(hostname="test.smtp.local", tls_context=starttls, require_starttls=starttls is not None)
        if args.user:
            options.update(authenticator=authenticate, auth_require_tls=starttls is not None,
                           auth_exclude_mechanism=args.exclude_auth)
        return SMTP(recorder, **options)

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    implicit = context if args.implicit_tls else None
    server = loop.run_until_complete(loop.create_server(factory, "127.0.0.1", 0, ssl=implicit))
    print("READY %d" % server.sockets[0].getsockname()[1], flush=True)

    async def wait_for_stdin_to_close():
        await loop.run_in_executor(None, sys.stdin.read)

    loop.run_until_complete(wait_for_stdin_to_close())
    server.close()


if __name__ == "__main__":
    main()
