import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// This process's environment as a dictionary, read from `environ` directly. Not
/// `ProcessInfo.processInfo.environment`, whose first use inside Foundation costs every
/// `ame` start a scan of all the binary's protocol conformances (see Package.swift).
public enum ProcessEnvironment {
    public static func current() -> [String: String] {
        var environment: [String: String] = [:]
        var entry: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> = environ
        while let pointer = entry.pointee {
            let text = String(cString: pointer)
            if let equals = text.firstIndex(of: "=") {
                let key = String(text[..<equals])
                // The first definition wins, as getenv(3) reads it.
                if environment[key] == nil { environment[key] = String(text[text.index(after: equals)...]) }
            }
            entry += 1
        }
        return environment
    }
}
