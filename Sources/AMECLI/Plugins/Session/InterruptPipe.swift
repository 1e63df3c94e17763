import AMESystem
#if canImport(Glibc)
import Glibc
#endif

/// Ctrl-C presses as bytes in a pipe, so a plugin session's poll(2) loop wakes for them
/// alongside the plugin's output. Fed either by a SIGINT handler (`ame NAME`, which runs
/// its session before Swift's async runtime starts) or by forwarding `InterruptSignals`.
final class InterruptPipe: @unchecked Sendable {
    let readDescriptor: Int32
    private let writeDescriptor: Int32

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

    // MARK: SIGINT straight into the pipe

    /// The pipe the signal handler writes to: a signal handler can reach only globals.
    nonisolated(unsafe) private static var signalTarget: Int32 = -1

    /// Turns every SIGINT of this process into a press of `pipe` (kept alive by the caller
    /// for as long as this lasts); `restore` puts the default action back.
    static func routeSIGINT(to pipe: InterruptPipe) {
        signalTarget = pipe.writeDescriptor
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in
            var byte: UInt8 = 1
            let saved = errno
            _ = write(InterruptPipe.signalTarget, &byte, 1)
            errno = saved
        }
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART
        sigaction(SIGINT, &action, nil)
        // A parent may have started `ame` with signals blocked (Foundation's Process passes
        // on its thread's mask): Ctrl-C must still reach the handler.
        var interrupt = sigset_t()
        sigemptyset(&interrupt)
        sigaddset(&interrupt, SIGINT)
        pthread_sigmask(SIG_UNBLOCK, &interrupt, nil)
    }

    static func restoreSIGINT() {
        signal(SIGINT, SIG_DFL)
        signalTarget = -1
    }
}
