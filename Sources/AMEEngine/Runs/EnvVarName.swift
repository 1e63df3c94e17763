/// Turns a free-form name (a port's `name`) into the tail of an environment variable.
enum EnvVarName {
    static func sanitized(_ name: String) -> String {
        String(name.uppercased().map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "_" })
    }
}
