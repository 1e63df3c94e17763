import AMESystem
#if canImport(Glibc)
import Glibc
#endif

/// Ctrl-C presses as bytes in a pipe, so a plugin session's poll(2) loop wakes for them
/// alongside the plugin's output. Fed either by SIGINT itself (`InterruptSignals.routeIntoPipe`,
/// for `ame NAME`, which runs its session before Swift's async runtime starts) or by
/// forwarding `InterruptSignals`' presses.
final class InterruptPipe: @unchecked Sendable {
    let readDescriptor: Int32
    let writeDescriptor: Int32

    init() throws {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { throw CLIError("cannot create a pipe: \(String(cString: strerror(errno)))") }
        readDescriptor = ends[0]
        writeDescriptor = ends[1]
        for descriptor in ends {
            _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
            _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
        }
    }

    deinit {
        close(readDescriptor)
        close(writeDescriptor)
    }

    /// One press. Safe from any thread.
    func press() {
        var byte: UInt8 = 1
        _ = write(writeDescriptor, &byte, 1)
    }

    /// How many presses arrived since the last call (reads without blocking).
    func takePresses() -> Int {
        var buffer = [UInt8](repeating: 0, count: 64)
        var count = 0
        while true {
            let got = read(readDescriptor, &buffer, buffer.count)
            if got > 0 { count += got; continue }
            if got < 0 && errno == EINTR { continue }
            return count
        }
    }
}
