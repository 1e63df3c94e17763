import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The plugin's end of the protocol: reads newline-delimited messages from stdin on a
/// thread of its own and writes each message to stdout with one `write` per message (no
/// stdio buffering, so AME sees each message as soon as it is sent).
final class StdioChannel: @unchecked Sendable {
    private let input: Int32
    private let output: Int32
    private let writeLock = NSLock()

    init(input: Int32 = STDIN_FILENO, output: Int32 = STDOUT_FILENO) {
        self.input = input
        self.output = output
    }

    func send(_ message: RPCMessage) {
        guard let data = try? message.encoded() else { return }
        writeLock.lock()
        defer { writeLock.unlock() }
        data.withUnsafeBytes { buffer in
            guard var pointer = buffer.baseAddress else { return }
            var remaining = buffer.count
            while remaining > 0 {
                let written = write(output, pointer, remaining)
                if written < 0 {
                    if errno == EINTR { continue }
                    return // AME has gone; nothing left to tell it.
                }
                remaining -= written
                pointer += written
            }
        }
    }

    /// Calls `onMessage` for every well-formed line (others are skipped: AME does not send
    /// them) and `onEnd` once stdin closes.
    func startReading(onMessage: @escaping @Sendable (RPCMessage) -> Void, onEnd: @escaping @Sendable () -> Void) {
        let descriptor = input
        let thread = Thread {
            var pending = Data()
            var buffer = [UInt8](repeating: 0, count: 64 * 1024)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                if count <= 0 { break }
                pending.append(contentsOf: buffer[0..<count])
                while let newline = pending.firstIndex(of: 0x0A) {
                    let line = pending[pending.startIndex..<newline]
                    pending = Data(pending[(newline + 1)...])
                    if let message = try? RPCMessage.parse(Data(line)) { onMessage(message) }
                }
            }
            onEnd()
        }
        thread.stackSize = 256 * 1024
        thread.start()
    }
}
