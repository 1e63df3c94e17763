import AMEPluginKit
import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension RPCMessage {
    /// Writes an encoded message to a plugin's stdin, all of it (a pipe takes what fits);
    /// false when the plugin no longer reads. Callers hold their own write lock, so that
    /// two messages never interleave.
    static func write(_ data: Data, to descriptor: Int32) -> Bool {
        data.withUnsafeBytes { buffer -> Bool in
            guard var pointer = buffer.baseAddress else { return true }
            var remaining = buffer.count
            while remaining > 0 {
                let written = Glibc.write(descriptor, pointer, remaining)
                if written < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                remaining -= written
                pointer += written
            }
            return true
        }
    }
}
