import Hummingbird
import NIOCore
import _NIOFileSystem

/// One export file sent from disk chunk by chunk (``ExportSettings/downloadChunkBytes`` at a time), gzipped on
/// the way when the client accepts it: the server holds one chunk of the file, never the whole of it.
struct ExportDownload: Sendable {
    /// The file on disk.
    let path: String
    /// Its size in bytes (the `Content-Length` of a plain answer; a gzipped one is sent chunked).
    let size: Int
    /// Whether to gzip it.
    let gzip: Bool
    /// Bytes read from disk at a time.
    let chunkBytes: Int

    /// The response body that reads and sends the file when the answer is written.
    var body: ResponseBody {
        let download = self
        return ResponseBody(contentLength: gzip ? nil : size) { writer in
            let deflater = download.gzip ? GzipStream() : nil
            if download.gzip, deflater == nil { throw GzipFailure() }
            try await FileSystem.shared.withFileHandle(forReadingAt: .init(download.path)) { handle in
                let chunks = handle.readChunks(
                    in: 0..<Int64(download.size), chunkLength: .bytes(Int64(max(1, download.chunkBytes))))
                for try await chunk in chunks {
                    guard let deflater else {
                        try await writer.write(chunk)
                        continue
                    }
                    let compressed = try chunk.withUnsafeReadableBytes { bytes throws(GzipFailure) in
                        try deflater.compress(bytes)
                    }
                    if !compressed.isEmpty { try await writer.write(ByteBuffer(bytes: compressed)) }
                }
            }
            if let deflater { try await writer.write(ByteBuffer(bytes: try deflater.finish())) }
            try await writer.finish(nil)
        }
    }
}
