import AMEEngine
import Foundation

/// Results gathered from several threads.
final class RaceResults: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [Result<SecretCipher, any Error>] = []

    func add(_ result: Result<SecretCipher, any Error>) {
        lock.lock()
        results.append(result)
        lock.unlock()
    }

    var values: [Result<SecretCipher, any Error>] {
        lock.lock()
        defer { lock.unlock() }
        return results
    }
}
