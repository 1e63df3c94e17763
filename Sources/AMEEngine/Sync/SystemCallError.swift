#if canImport(Glibc)
import Glibc
#endif

/// An `errno` value with its text, for messages.
struct SystemCallError: Error, Sendable, Equatable {
    var code: Int32

    static var current: SystemCallError { SystemCallError(code: errno) }

    var text: String { String(cString: strerror(code)) }
}
