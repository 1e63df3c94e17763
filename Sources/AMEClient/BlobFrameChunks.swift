import AMECore
import Foundation
import NIOCore
#if canImport(Glibc)
import Glibc
#endif

/// The body of `POST /v1/blobs`: each file as a `BlobFrame` (digest, length, content), read
/// in 1 MiB pieces. Each file's length is taken before sending; a file that then reads
/// shorter fails the upload (the server would refuse its digest anyway).
struct BlobFrameChunks: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let files: [(digest: Digest, path: String, size: Int64)]

    /// The body's length.
    var length: Int64 { files.reduce(0) { $0 + Int64(BlobFrame.headerSize) + $1.size } }

    struct AsyncIterator: AsyncIteratorProtocol {
        let files: [(digest: Digest, path: String, size: Int64)]
        var index = 0
        var file: HTTPTransport.FileChunks.OpenFile?
        var remaining: Int64 = 0

        mutating func next() async throws -> ByteBuffer? {
            var buffer = ByteBufferAllocator().buffer(capacity: 1 << 20)
            while buffer.readableBytes < 1 << 20 {
                if file == nil {
                    guard index < files.count else { break }
                    let current = files[index]
                    buffer.writeBytes(BlobFrame.header(digest: current.digest, size: current.size))
                    file = try HTTPTransport.FileChunks.OpenFile(path: current.path)
                    remaining = current.size
                }
                guard let open = file else { break }
                let want = Int(Swift.min(remaining, Int64((1 << 20) - buffer.readableBytes + 4096)))
                if want > 0 {
                    var failure: Int32 = 0
                    let got = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: want) { raw in
                        var count: Int
                        repeat { count = read(open.descriptor, raw.baseAddress, Swift.min(raw.count, want)) } while count < 0 && errno == EINTR
                        if count < 0 { failure = errno }
                        return Swift.max(count, 0)
                    }
                    if failure != 0 { throw APIError(.internal, "cannot read \(files[index].path): \(String(cString: strerror(failure)))") }
                    if got == 0 {
                        throw APIError(.invalidRequest, "\(files[index].path) changed while it was being uploaded", hint: "run the command again")
                    }
                    remaining -= Int64(got)
                }
                if remaining == 0 {
                    file = nil
                    index += 1
                }
            }
            return buffer.readableBytes > 0 ? buffer : nil
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(files: files) }
}
