/// An image reference, checked against the OCI distribution reference grammar:
///
///     reference  := name [ ":" tag ] [ "@" digest ]
///     name       := [ domain "/" ] path-component ( "/" path-component )*
///     domain     := host [ ":" port ]           (a first component with '.', ':' or "localhost")
///     path-component := [a-z0-9]+ ( ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ )*
///     tag        := [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}
///     digest     := algorithm ":" hex{32,}
///
/// AME checks `image:` in ame.yaml with the same grammar; the plugin checks what it is given
/// on the command line before any builder sees it.
struct ImageName: Hashable, Sendable, CustomStringConvertible {
    /// The registry host (and port); nil means Docker Hub.
    var domain: String?
    var path: String
    var tag: String?
    var digest: String?

    struct Invalid: Error, CustomStringConvertible {
        var text: String
        var reason: String
        var description: String { "'\(text)' is not a valid image reference: \(reason)" }
    }

    init(parsing text: String) throws(Invalid) {
        func fail(_ reason: String) -> Invalid { Invalid(text: text, reason: reason) }
        guard !text.isEmpty else { throw fail("it is empty") }
        guard !text.contains(where: { $0 == " " || $0 == "\t" || $0 == "\n" }) else { throw fail("it contains a space") }
        var rest = Substring(text)
        if let at = rest.firstIndex(of: "@") {
            let digest = rest[rest.index(after: at)...]
            guard let colon = digest.firstIndex(of: ":"),
                  let first = digest.first, first.isASCII, first.isLetter,
                  digest[..<colon].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "+.-_".contains($0)) }),
                  digest[digest.index(after: colon)...].count >= 32,
                  digest[digest.index(after: colon)...].allSatisfy(\.isHexDigit) else {
                throw fail("the digest after '@' must look like sha256:<64 hex digits>")
            }
            self.digest = String(digest)
            rest = rest[..<at]
        }
        if let colon = rest.lastIndex(of: ":"), !rest[colon...].contains("/") {
            let tag = rest[rest.index(after: colon)...]
            guard let first = tag.first, first.isASCII, first.isLetter || first.isNumber || first == "_" else {
                throw fail("the tag after ':' must start with a letter, a digit or '_'")
            }
            guard tag.count <= 128, tag.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_.-".contains($0)) }) else {
                throw fail("the tag may hold only letters, digits, '_', '.' and '-' (at most 128)")
            }
            self.tag = String(tag)
            rest = rest[..<colon]
        }
        var components = rest.split(separator: "/", omittingEmptySubsequences: false)
        if components.count > 1, let first = components.first,
           first.contains(".") || first.contains(":") || first == "localhost" || first.contains(where: \.isUppercase) {
            if !first.hasPrefix("[") {
                let host = first.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
                let labelsValid = host[0].split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
                    guard let a = label.first, let b = label.last else { return false }
                    return a.isASCII && (a.isLetter || a.isNumber) && b.isASCII && (b.isLetter || b.isNumber)
                        && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
                }
                guard labelsValid else { throw fail("'\(first)' is not a valid registry host") }
                if host.count == 2 {
                    guard host[1].allSatisfy(\.isNumber), let port = Int(host[1]), (1...65535).contains(port) else {
                        throw fail("'\(host[1])' is not a valid registry port")
                    }
                }
            }
            domain = String(first)
            components.removeFirst()
        } else {
            domain = nil
        }
        for component in components {
            guard !component.isEmpty else { throw fail("it has an empty path component ('//' or a trailing '/')") }
            guard !component.contains(where: \.isUppercase) else { throw fail("repository names must be lowercase") }
            guard Self.isPathComponent(component) else {
                throw fail("'\(component)' may hold only lowercase letters and digits, separated by '.', '_', '__' or '-'")
            }
        }
        path = components.joined(separator: "/")
        guard !path.isEmpty else { throw fail("it has no repository name") }
    }

    static func isPathComponent(_ component: Substring) -> Bool {
        var index = component.startIndex
        var separator = ""
        var sawAlphanumeric = false
        while index < component.endIndex {
            let c = component[index]
            if c.isASCII && (c.isNumber || c.isLowercase) {
                if !separator.isEmpty {
                    guard separator == "." || separator == "_" || separator == "__" || separator.allSatisfy({ $0 == "-" }) else { return false }
                }
                separator = ""
                sawAlphanumeric = true
            } else if c == "." || c == "_" || c == "-" {
                guard sawAlphanumeric else { return false }
                separator.append(c)
            } else {
                return false
            }
            index = component.index(after: index)
        }
        return sawAlphanumeric && separator.isEmpty
    }

    /// The registry as auth files and builders name it.
    var registry: String { domain ?? "docker.io" }

    /// `host/path`, without tag or digest.
    var repository: String { (domain.map { "\($0)/" } ?? "") + path }

    var description: String {
        repository + (tag.map { ":\($0)" } ?? "") + (digest.map { "@\($0)" } ?? "")
    }

    /// The same repository with another tag (and no digest).
    func tagged(_ tag: String) -> ImageName {
        var copy = self
        copy.tag = tag
        copy.digest = nil
        return copy
    }

    /// A loopback registry (`localhost`, `127.x`, `[::1]`), reached over plain HTTP by
    /// builders as podman does.
    var isLoopback: Bool {
        guard let domain else { return false }
        var host = domain
        if host.hasPrefix("["), let close = host.firstIndex(of: "]") {
            host = String(host[host.index(after: host.startIndex)..<close])
        } else if let colon = host.firstIndex(of: ":") {
            host = String(host[..<colon])
        }
        return host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}
