/// What the server may fetch from: the hosts an admin allows (nil: any), `file` standing
/// for `file://` paths on the server itself.
public struct GitAccessPolicy: Sendable {
    public var allowedHosts: Set<String>?
    /// The shortest polling interval a user may ask for.
    public var minimumInterval: Int

    public init(allowedHosts: Set<String>? = nil, minimumInterval: Int = 1) {
        self.allowedHosts = allowedHosts
        self.minimumInterval = minimumInterval
    }

    /// `--git-hosts a,b,file` → the set; empty or "any" → nil.
    public static func parse(hosts text: String?) -> GitAccessPolicy {
        guard let text, !text.isEmpty, text != "any" else { return GitAccessPolicy() }
        let hosts = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty }
        return GitAccessPolicy(allowedHosts: Set(hosts))
    }
}
