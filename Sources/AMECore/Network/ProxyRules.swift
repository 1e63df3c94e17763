import Foundation

/// Which proxy, if any, a request goes through: the conventions of curl and Go, from
/// `http_proxy`/`HTTP_PROXY` (for `http://` URLs), `https_proxy`/`HTTPS_PROXY` (for
/// `https://`), `all_proxy`/`ALL_PROXY` (either, when the specific one is unset) and
/// `no_proxy`/`NO_PROXY`. The lower-case spelling wins when both are set.
///
/// `no_proxy` entries: `*` (nothing is proxied), a host name that also covers its
/// subdomains (`example.com`, `.example.com`), an IP address, an IPv4 range in CIDR
/// (`10.0.0.0/8`); a `:port` suffix is ignored. Loopback (`localhost`, 127.0.0.0/8, `::1`)
/// is never proxied: a proxy elsewhere cannot reach this machine's loopback.
///
/// Proxies are spoken to in plain HTTP (`CONNECT`, also for `https://` URLs, whose TLS then
/// runs end to end) or SOCKS5: `http://[user:password@]host[:port]` (port 80 by default;
/// no scheme means `http://`), `socks5://host[:port]` (1080). An `https://` proxy (TLS to
/// the proxy itself) is refused with a sentence rather than used wrongly.
public struct ProxyRules: Sendable, Equatable {
    public struct Proxy: Sendable, Hashable {
        public enum Kind: String, Sendable, Hashable { case http, socks5 }
        public var kind: Kind
        public var host: String
        public var port: Int
        public var username: String?
        public var password: String?

        public init(kind: Kind = .http, host: String, port: Int, username: String? = nil, password: String? = nil) {
            self.kind = kind
            self.host = host
            self.port = port
            self.username = username
            self.password = password
        }
    }

    /// A proxy variable that cannot be used, named with its value (credentials hidden).
    public struct Invalid: Error, Sendable, Equatable, CustomStringConvertible {
        public var variable: String
        public var value: String
        public var reason: String
        public var description: String { "\(variable)=\(value) \(reason)" }
    }

    public var http: Proxy?
    public var https: Proxy?
    public var exemptions: [String]

    public init(http: Proxy? = nil, https: Proxy? = nil, exemptions: [String] = []) {
        self.http = http
        self.https = https
        self.exemptions = exemptions
    }

    /// No proxy at all.
    public static let direct = ProxyRules()

    public static func fromEnvironment(_ environment: [String: String]) throws(Invalid) -> ProxyRules {
        func lookup(_ name: String) -> (String, String)? {
            for variable in [name.lowercased(), name.uppercased()] {
                if let value = environment[variable]?.trimmingCharacters(in: .whitespaces), !value.isEmpty { return (variable, value) }
            }
            return nil
        }
        func proxy(_ name: String) throws(Invalid) -> Proxy? {
            guard let (variable, value) = lookup(name) else { return nil }
            return try parse(value, variable: variable)
        }
        let all = try proxy("all_proxy")
        let http = try proxy("http_proxy") ?? all
        let https = try proxy("https_proxy") ?? all
        let exemptions = (lookup("no_proxy")?.1 ?? "").split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty }
        return ProxyRules(http: http, https: https, exemptions: exemptions)
    }

    /// The proxy for a request to `url`, or nil to connect directly.
    public func proxy(for url: URL) -> Proxy? {
        let chosen: Proxy?
        switch url.scheme?.lowercased() {
        case "http", "ws": chosen = http
        case "https", "wss": chosen = https
        default: chosen = nil
        }
        guard let chosen, let host = url.host?.lowercased() else { return nil }
        return isExempt(host) ? nil : chosen
    }

    /// Whether `host` is reached directly: loopback, or matched by a `no_proxy` entry.
    public func isExempt(_ host: String) -> Bool {
        let host = Self.bare(host.lowercased())
        if host == "localhost" || host.hasSuffix(".localhost") || host == "::1" { return true }
        if let address = Self.ipv4(host), address >> 24 == 127 { return true }
        for entry in exemptions {
            if entry == "*" { return true }
            var pattern = entry
            if let slash = pattern.firstIndex(of: "/"), let address = Self.ipv4(host),
               let network = Self.ipv4(String(pattern[..<slash])), let bits = Int(pattern[pattern.index(after: slash)...]), (0...32).contains(bits) {
                let mask: UInt32 = bits == 0 ? 0 : ~UInt32(0) << (32 - bits)
                if address & mask == network & mask { return true }
                continue
            }
            pattern = Self.bare(Self.withoutPort(pattern))
            if pattern.hasPrefix("*.") { pattern.removeFirst() }
            if pattern.hasPrefix(".") { pattern.removeFirst() }
            if pattern.isEmpty { continue }
            if host == pattern || host.hasSuffix("." + pattern) { return true }
        }
        return false
    }

    static func parse(_ value: String, variable: String) throws(Invalid) -> Proxy {
        var text = value
        var kind = Proxy.Kind.http
        var defaultPort = 80
        if let range = text.range(of: "://") {
            let scheme = text[..<range.lowerBound].lowercased()
            switch scheme {
            case "http": break
            case "socks5", "socks5h":
                kind = .socks5
                defaultPort = 1080
            case "https":
                throw Invalid(variable: variable, value: redacted(value),
                              reason: "asks for TLS to the proxy itself, which AME does not speak; use an http:// proxy (https:// requests still run TLS end to end through it)")
            default:
                throw Invalid(variable: variable, value: redacted(value), reason: "has the scheme '\(scheme)'; AME speaks http:// and socks5:// proxies")
            }
            text = String(text[range.upperBound...])
        }
        if let slash = text.firstIndex(of: "/") { text = String(text[..<slash]) }
        var username: String?
        var password: String?
        if let at = text.lastIndex(of: "@") {
            let credentials = text[..<at]
            text = String(text[text.index(after: at)...])
            if let colon = credentials.firstIndex(of: ":") {
                username = String(credentials[..<colon]).removingPercentEncoding
                password = String(credentials[credentials.index(after: colon)...]).removingPercentEncoding
            } else {
                username = String(credentials).removingPercentEncoding
            }
        }
        var host = text
        var port = defaultPort
        if host.hasPrefix("["), let close = host.firstIndex(of: "]") {
            let rest = host[host.index(after: close)...]
            if rest.hasPrefix(":") {
                guard let number = Int(rest.dropFirst()), (1...65535).contains(number) else {
                    throw Invalid(variable: variable, value: redacted(value), reason: "has no valid port")
                }
                port = number
            }
            host = String(host[host.index(after: host.startIndex)..<close])
        } else if let colon = host.lastIndex(of: ":") {
            guard let number = Int(host[host.index(after: colon)...]), (1...65535).contains(number) else {
                throw Invalid(variable: variable, value: redacted(value), reason: "has no valid port")
            }
            port = number
            host = String(host[..<colon])
        }
        guard !host.isEmpty else { throw Invalid(variable: variable, value: redacted(value), reason: "names no host") }
        if kind == .socks5 && username != nil {
            throw Invalid(variable: variable, value: redacted(value), reason: "has credentials, which AME cannot send to a SOCKS proxy")
        }
        return Proxy(kind: kind, host: host, port: port, username: username, password: password)
    }

    /// The value with any password replaced, for messages.
    static func redacted(_ value: String) -> String {
        guard let at = value.lastIndex(of: "@") else { return value }
        let start = value.range(of: "://")?.upperBound ?? value.startIndex
        let credentials = value[start..<at]
        guard let colon = credentials.firstIndex(of: ":") else { return value }
        return String(value[..<value.index(after: colon)]) + "***" + String(value[at...])
    }

    static func bare(_ host: String) -> String {
        host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
    }

    static func withoutPort(_ entry: String) -> String {
        if entry.hasPrefix("["), let close = entry.firstIndex(of: "]") { return String(entry[...close]) }
        if entry.filter({ $0 == ":" }).count == 1, let colon = entry.firstIndex(of: ":") { return String(entry[..<colon]) }
        return entry
    }

    static func ipv4(_ text: String) -> UInt32? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            guard let byte = UInt8(part) else { return nil }
            value = value << 8 | UInt32(byte)
        }
        return value
    }
}
