/// What a PDF image dictionary needs from a JPEG (ITU-T T.81 §B.2): size and colour components, read from the
/// frame header. Only what `/DCTDecode` is sure to display is accepted: 8-bit baseline, extended Huffman or
/// progressive frames with 1 (grey), 3 (YCbCr/RGB) or 4 (CMYK) components.
struct JPEGInfo: Sendable, Hashable {
    var width: Int
    var height: Int
    var components: Int
    /// An Adobe APP14 segment: 4-component Adobe JPEGs store inverted CMYK.
    var adobe: Bool

    /// The frame header of `bytes`, or nil when they are not such a JPEG (wrong signature, truncated or
    /// inconsistent segments, another coding process, no scan).
    init?(_ bytes: [UInt8]) {
        guard bytes.count > 4, bytes[0] == 0xFF, bytes[1] == 0xD8 else { return nil }
        var frame: (width: Int, height: Int, components: Int)?
        var adobe = false
        var i = 2
        while i < bytes.count {
            guard bytes[i] == 0xFF else { return nil }
            while i < bytes.count && bytes[i] == 0xFF { i += 1 }  // fill bytes
            guard i < bytes.count else { return nil }
            let marker = bytes[i]
            i += 1
            switch marker {
            case 0x01, 0xD0...0xD7: continue  // no length
            case 0xD8, 0xD9, 0x00: return nil  // a second SOI, EOI before the scan, or not a marker
            default: break
            }
            guard i + 2 <= bytes.count else { return nil }
            let length = Int(bytes[i]) << 8 | Int(bytes[i + 1])
            guard length >= 2, i + length <= bytes.count else { return nil }
            let payload = bytes[(i + 2)..<(i + length)]
            switch marker {
            case 0xC0, 0xC1, 0xC2:
                guard frame == nil, payload.count >= 6 else { return nil }
                let p = payload.startIndex
                let precision = Int(payload[p])
                let height = Int(payload[p + 1]) << 8 | Int(payload[p + 2])
                let width = Int(payload[p + 3]) << 8 | Int(payload[p + 4])
                let components = Int(payload[p + 5])
                guard precision == 8, width > 0, height > 0, [1, 3, 4].contains(components),
                    payload.count >= 6 + 3 * components
                else { return nil }
                frame = (width, height, components)
            case 0xC3, 0xC5...0xC7, 0xC9...0xCB, 0xCD...0xCF:
                return nil  // lossless, hierarchical or arithmetic coding
            case 0xEE:
                if payload.starts(with: Array("Adobe".utf8)) { adobe = true }
            case 0xDA:
                guard let frame else { return nil }
                self.width = frame.width
                self.height = frame.height
                self.components = frame.components
                self.adobe = adobe
                return
            default: break
            }
            i += length
        }
        return nil
    }

    /// The `/ColorSpace` of the image dictionary.
    var colorSpace: String {
        switch components {
        case 1: "/DeviceGray"
        case 4: "/DeviceCMYK"
        default: "/DeviceRGB"
        }
    }
}
