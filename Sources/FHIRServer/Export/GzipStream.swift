import CZlib

/// gzip (RFC 1952) of a stream of chunks through the system zlib, holding only zlib's window and one output
/// buffer whatever the stream's length: how a large export file is sent gzipped chunk by chunk.
final class GzipStream {
    /// zlib keeps the stream's address (`deflateStateCheck`), so it lives at one place for the whole stream.
    private let stream: UnsafeMutablePointer<z_stream>
    private var output = [UInt8](repeating: 0, count: 64 * 1024)

    /// A stream at the default level; nil when zlib cannot start one.
    init?() {
        stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        // 15 window bits + 16: a gzip header and trailer instead of zlib's.
        guard deflateInit2_(stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY,
                            ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK
        else {
            stream.deinitialize(count: 1)
            stream.deallocate()
            return nil
        }
    }

    deinit {
        deflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// The compressed bytes available after `input` (zlib may hold some back for the next chunk).
    func compress(_ input: UnsafeRawBufferPointer) throws(GzipFailure) -> [UInt8] {
        try deflating(input, flush: Z_NO_FLUSH)
    }

    /// The rest of the compressed bytes and the gzip trailer; the stream is finished after it.
    func finish() throws(GzipFailure) -> [UInt8] {
        try deflating(UnsafeRawBufferPointer(start: nil, count: 0), flush: Z_FINISH)
    }

    private func deflating(_ input: UnsafeRawBufferPointer, flush: Int32) throws(GzipFailure) -> [UInt8] {
        var result: [UInt8] = []
        stream.pointee.next_in = UnsafeMutablePointer(mutating: input.bindMemory(to: Bytef.self).baseAddress)
        stream.pointee.avail_in = uInt(input.count)
        let capacity = output.count
        // zpipe's loop: deflate while it fills the whole output buffer.
        repeat {
            let code: Int32 = output.withUnsafeMutableBufferPointer { out in
                stream.pointee.next_out = out.baseAddress
                stream.pointee.avail_out = uInt(capacity)
                return deflate(stream, flush)
            }
            // Z_BUF_ERROR: no progress possible with this input, not an error.
            guard code == Z_OK || code == Z_STREAM_END || code == Z_BUF_ERROR else { throw GzipFailure() }
            result += output.prefix(capacity - Int(stream.pointee.avail_out))
        } while stream.pointee.avail_out == 0
        stream.pointee.next_in = nil
        return result
    }
}

/// zlib refused to go on with a stream.
struct GzipFailure: Error {}
