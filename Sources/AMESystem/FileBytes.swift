import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A small file read whole with open(2) and read(2). Not `Data(contentsOf:)` or
/// `FileManager.contents(atPath:)`: their first use inside Foundation costs every `ame` start
/// a scan of all the binary's protocol conformances (see Package.swift), and the files read
/// on the way to a plugin (its cached description, the client configuration) are small.
public enum FileBytes {
    /// The file's bytes; nil when it cannot be opened or read (missing, a folder, no permission).
    public static func read(_ path: String) -> Data? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 16 << 10)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return Data(bytes)
    }
}
