import AMESystem

/// Whether this `ame` and the server it talks to are of versions that may not agree on
/// the API: a different major or minor version (0.x releases change it between minor
/// versions). Patch releases mix freely, and a server too old to say its version is not
/// judged.
enum VersionSkew {
    /// The major and minor numbers of "1.2.3" (pre-release and build suffixes ignored).
    static func series(_ version: String) -> [Int] {
        Array(version.split(separator: ".").prefix(2).map { Int($0.prefix { $0.isNumber }) ?? -1 })
    }

    /// A warning and its hint, or nil when the versions are compatible.
    static func warning(client: String = BuildInfo.version, server: String?, url: String) -> (message: String, hint: String)? {
        guard let server, series(server) != series(client) else { return nil }
        let newer = series(server).lexicographicallyPrecedes(series(client)) ? "ame" : "the server"
        return ("this ame is \(client) but ame-server at \(url) is \(server); commands may fail or be misunderstood",
                "install the same version of both (\(newer) is the newer one): scripts/install, or the ame .deb")
    }

    /// Prints the warning to stderr when there is one.
    static func warn(server: String?, url: String, terminal: any Terminal) {
        guard let (message, hint) = warning(server: server, url: url) else { return }
        let style = terminal.errorStyle
        terminal.errLine("\(style.yellow("warning")): \(message)")
        terminal.errLine("  hint: \(hint)")
    }
}
