import CAMESystem

/// This build of AME: its version, and for a build made by scripts/install or
/// scripts/package-deb, the git commit, build date and Swift version they recorded
/// (Sources/CAMESystem/ame_build_info.c). What `ame --version`, `ame-server --version`,
/// `whoami` and the dashboard show. Plain C strings: `ame --version` is on the start-up
/// path and touches no Foundation.
public enum BuildInfo {
    /// The release's version (semantic versioning); the one place it is written.
    public static let version = "0.1.0"

    /// The commit the build was made from (`-dirty` when the tree had uncommitted changes);
    /// nil in a development build.
    public static var commit: String? { stamped(ame_build_commit()) }
    /// When the build was made (UTC, ISO 8601); nil in a development build.
    public static var date: String? { stamped(ame_build_date()) }
    /// The compiler's version as `swift --version` gave it, else the one this was compiled
    /// with as far as the language can tell.
    public static var swiftVersion: String { stamped(ame_build_swift_version()) ?? compilerVersion }

    /// `ame --version`.
    public static func text(program: String) -> String {
        """
        \(program) \(version)
        commit: \(commit ?? "unknown (a development build: scripts/install records it)")
        built: \(date ?? "unknown")
        swift: \(swiftVersion)
        """
    }

    /// `ame version --json`: one object, `commit` and `buildDate` null in a development build.
    public static func json(program: String) -> String {
        func string(_ value: String?) -> String {
            guard let value else { return "null" }
            var escaped = "\""
            for scalar in value.unicodeScalars {
                switch scalar {
                case "\"": escaped += "\\\""
                case "\\": escaped += "\\\\"
                case _ where scalar.value < 0x20: escaped += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count) + String(scalar.value, radix: 16)
                default: escaped.unicodeScalars.append(scalar)
                }
            }
            return escaped + "\""
        }
        return """
            {
              "program" : \(string(program)),
              "version" : \(string(version)),
              "commit" : \(string(commit)),
              "buildDate" : \(string(date)),
              "swiftVersion" : \(string(swiftVersion))
            }
            """
    }

    static func stamped(_ value: UnsafePointer<CChar>) -> String? {
        let text = String(cString: value)
        return text.isEmpty ? nil : text
    }

    static var compilerVersion: String {
        #if compiler(>=6.5)
        "6.5 or later"
        #elseif compiler(>=6.4)
        "6.4"
        #elseif compiler(>=6.3)
        "6.3"
        #elseif compiler(>=6.2)
        "6.2"
        #else
        "6.1 or earlier"
        #endif
    }
}
