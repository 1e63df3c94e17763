import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Reads a file descriptor to its end on a thread of its own, handing over chunks as they
/// arrive. (`FileHandle.readabilityHandler` loses the end of output under load on Linux.)
public enum PipeReader {
    public static let chunkSize = 64 * 1024

    /// Chunks in order; the stream finishes at end of file.
    public static func chunks(of handle: FileHandle) -> AsyncStream<Data> {
        let (stream, continuation) = AsyncStream<Data>.makeStream(bufferingPolicy: .unbounded)
        let descriptor = handle.fileDescriptor
        let thread = Thread {
            // Keep the handle (and so the descriptor) alive until reading is done.
            withExtendedLifetime(handle) {
                var buffer = [UInt8](repeating: 0, count: chunkSize)
                while true {
                    let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, chunkSize) }
                    if count > 0 {
                        continuation.yield(Data(buffer[0..<count]))
                    } else if count < 0 && errno == EINTR {
                        continue
                    } else {
                        break
                    }
                }
            }
            continuation.finish()
        }
        thread.stackSize = 128 * 1024
        thread.start()
        return stream
    }

    /// Everything until end of file.
    public static func readAll(_ handle: FileHandle) async -> Data {
        var data = Data()
        for await chunk in chunks(of: handle) { data.append(chunk) }
        return data
    }
}
