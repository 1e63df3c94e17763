import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Counts Ctrl-C presses while a command waits on a run, instead of letting SIGINT kill
/// the CLI (the run lives on in its agent and must be cancelled or detached from).
final class InterruptHandler: @unchecked Sendable {
    private let source: DispatchSourceSignal
    private let lock = NSLock()
    private var count = 0
    private var handler: (@Sendable (Int) -> Void)?

    init() {
        signal(SIGINT, SIG_IGN)
        source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler { [weak self] in self?.fire() }
        source.resume()
    }

    /// `body` receives the number of presses so far (1 for the first).
    func onInterrupt(_ body: @escaping @Sendable (Int) -> Void) {
        lock.withLock { handler = body }
    }

    private func fire() {
        let (presses, body) = lock.withLock { () -> (Int, (@Sendable (Int) -> Void)?) in
            count += 1
            return (count, handler)
        }
        body?(presses)
    }

    func stop() {
        source.cancel()
        signal(SIGINT, SIG_DFL)
    }
}
