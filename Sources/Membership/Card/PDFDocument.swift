import Foundation

/// A colour in DeviceRGB, each component in 0...1.
public struct PDFColor: Sendable, Hashable {
    public var red: Double
    public var green: Double
    public var blue: Double

    public init(red: Double, green: Double, blue: Double) {
        self.red = red
        self.green = green
        self.blue = blue
    }

    /// A colour from `0xRRGGBB`.
    public init(rgb: UInt32) {
        self.init(
            red: Double((rgb >> 16) & 0xFF) / 255, green: Double((rgb >> 8) & 0xFF) / 255,
            blue: Double(rgb & 0xFF) / 255)
    }

    public static let black = PDFColor(red: 0, green: 0, blue: 0)
    public static let white = PDFColor(red: 1, green: 1, blue: 1)
}

/// A page size in points (1/72 inch).
public struct PDFPageSize: Sendable, Hashable {
    public var width: Double
    public var height: Double

    public init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    /// ISO 216 A4, 210 × 297 mm.
    public static let a4 = PDFPageSize(width: 595.28, height: 841.89)
}

/// A minimal PDF 1.4 writer (ISO 32000 predecessor, Adobe PDF Reference 1.4): pages with text in the standard
/// Helvetica fonts, filled or stroked rectangles, lines, and JPEG images passed through with `/DCTDecode`.
///
/// Coordinates are PDF user space: points, origin at the bottom-left corner of the page, `y` upwards. Drawing
/// before ``beginPage(size:)`` opens an A4 page. The output depends only on what was drawn and on the
/// information given to ``init(title:producer:creationDate:)``: the same input gives the same bytes.
public struct PDFDocument: Sendable {
    /// `/Title` of the document information dictionary.
    public var title: String
    /// `/Producer` of the document information dictionary.
    public var producer: String
    /// `/CreationDate`, written in UTC.
    public var creationDate: Date

    struct Page: Sendable {
        var size: PDFPageSize
        var content: [UInt8] = []
        var images: [Int] = []  // indices into `images`, in first-use order
    }

    struct Image: Sendable {
        var info: JPEGInfo
        var bytes: [UInt8]
    }

    var pages: [Page] = []
    var images: [Image] = []

    public init(title: String, producer: String, creationDate: Date) {
        self.title = title
        self.producer = producer
        self.creationDate = creationDate
    }

    /// The number of pages begun so far.
    public var pageCount: Int { pages.count }

    /// Starts a new page; what is drawn next goes on it.
    public mutating func beginPage(size: PDFPageSize = .a4) {
        pages.append(Page(size: size))
    }

    /// Sets `text` on one line with its baseline starting at (`x`, `y`). See ``PDFFont`` for the encoding.
    public mutating func drawText(
        _ text: String, x: Double, y: Double, font: PDFFont = .helvetica, size: Double = 10, color: PDFColor = .black
    ) {
        let encoded = PDFText.winAnsi(text)
        guard !encoded.isEmpty else { return }
        emit("BT /\(font.resourceName) \(number(size)) Tf \(rgb(color)) rg \(number(x)) \(number(y)) Td ")
        appendToPage(PDFText.literal(encoded))
        emit(" Tj ET\n")
    }

    /// A rectangle with its lower-left corner at (`x`, `y`), filled and/or stroked; with neither colour nothing
    /// is drawn.
    public mutating func drawRectangle(
        x: Double, y: Double, width: Double, height: Double, fill: PDFColor? = nil, stroke: PDFColor? = nil,
        lineWidth: Double = 1
    ) {
        guard fill != nil || stroke != nil else { return }
        var operators = "q "
        if let fill { operators += "\(rgb(fill)) rg " }
        if let stroke { operators += "\(rgb(stroke)) RG \(number(lineWidth)) w " }
        operators += "\(number(x)) \(number(y)) \(number(width)) \(number(height)) re "
        operators += fill != nil && stroke != nil ? "B" : fill != nil ? "f" : "S"
        emit(operators + " Q\n")
    }

    /// A straight line.
    public mutating func drawLine(
        fromX: Double, fromY: Double, toX: Double, toY: Double, color: PDFColor = .black, lineWidth: Double = 1
    ) {
        emit(
            "q \(rgb(color)) RG \(number(lineWidth)) w \(number(fromX)) \(number(fromY)) m \(number(toX)) \(number(toY)) l S Q\n"
        )
    }

    /// Places a JPEG image in the box with lower-left corner (`x`, `y`); with `keepAspectRatio` it is scaled to
    /// fit and centred, otherwise stretched. The bytes are embedded as they are (`/DCTDecode`); identical bytes
    /// are embedded once. Returns false, drawing nothing, when the bytes are not a JPEG a reader can show
    /// (see ``JPEGInfo``).
    @discardableResult
    public mutating func drawJPEG(
        _ bytes: [UInt8], x: Double, y: Double, width: Double, height: Double, keepAspectRatio: Bool = true
    ) -> Bool {
        guard let info = JPEGInfo(bytes), width > 0, height > 0 else { return false }
        if pages.isEmpty { beginPage() }
        let index: Int
        if let existing = images.firstIndex(where: { $0.bytes == bytes }) {
            index = existing
        } else {
            images.append(Image(info: info, bytes: bytes))
            index = images.count - 1
        }
        if !pages[pages.count - 1].images.contains(index) { pages[pages.count - 1].images.append(index) }
        var (w, h, left, bottom) = (width, height, x, y)
        if keepAspectRatio {
            let scale = min(width / Double(info.width), height / Double(info.height))
            w = Double(info.width) * scale
            h = Double(info.height) * scale
            left += (width - w) / 2
            bottom += (height - h) / 2
        }
        emit("q \(number(w)) 0 0 \(number(h)) \(number(left)) \(number(bottom)) cm /Im\(index + 1) Do Q\n")
        return true
    }

    /// Whether `bytes` are a JPEG that ``drawJPEG(_:x:y:width:height:keepAspectRatio:)`` accepts, and its size in
    /// pixels.
    public static func jpegSize(_ bytes: [UInt8]) -> (width: Int, height: Int)? {
        JPEGInfo(bytes).map { ($0.width, $0.height) }
    }

    private mutating func emit(_ operators: String) {
        appendToPage(Array(operators.utf8))
    }

    private mutating func appendToPage(_ bytes: [UInt8]) {
        if pages.isEmpty { beginPage() }
        pages[pages.count - 1].content += bytes
    }

    private func rgb(_ color: PDFColor) -> String {
        "\(number(min(max(color.red, 0), 1))) \(number(min(max(color.green, 0), 1))) \(number(min(max(color.blue, 0), 1)))"
    }
}

/// A real number as a PDF operand (PDF 1.4 §3.2.2): at most three decimals, never an exponent; not finite: 0.
func number(_ value: Double) -> String {
    guard value.isFinite, abs(value) < 1e9 else { return "0" }
    let thousandths = Int((value * 1000).rounded())
    if thousandths == 0 { return "0" }
    let sign = thousandths < 0 ? "-" : ""
    let magnitude = abs(thousandths)
    var fraction = String(magnitude % 1000)
    fraction = String(repeating: "0", count: 3 - fraction.count) + fraction
    while fraction.hasSuffix("0") { fraction.removeLast() }
    return sign + String(magnitude / 1000) + (fraction.isEmpty ? "" : "." + fraction)
}
