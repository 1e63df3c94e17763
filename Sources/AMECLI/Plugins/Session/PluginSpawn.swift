import AMESystem
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Starts plugin processes. A plugin file that is still open for writing somewhere — being
/// installed, or held for a moment by another process's fork before its exec — cannot be
/// executed (`ETXTBSY`); that passes within milliseconds, so it is retried briefly rather
/// than reported as a broken plugin.
enum PluginSpawn {
    static func start(_ configuration: ChildProcess.Configuration) throws -> ChildProcess {
        var attempt = 0
        while true {
            do {
                return try ChildProcess.spawn(configuration)
            } catch let error as ChildProcess.SpawnError where error.errorNumber == ETXTBSY && attempt < 20 {
                attempt += 1
                usleep(10_000)
            }
        }
    }
}
