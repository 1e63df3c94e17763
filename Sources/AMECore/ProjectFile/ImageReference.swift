/// A container image reference (`registry.example:5000/team/train:1.2@sha256:…`), checked
/// against the OCI distribution reference grammar.
public struct ImageReference: Hashable, Sendable, CustomStringConvertible {
    /// The registry host (and port), or nil for the default registry (Docker Hub).
    public var domain: String?
    /// The repository path (`team/train`).
    public var path: String
    public var tag: String?
    public var digest: String?

    public struct ParseError: Error, Equatable, Sendable {
        public var message: String
        public var hint: String?
        /// 0-based character offset of the problem in the reference.
        public var offset: Int
    }

    public init(parsing text: String) throws(ParseError) {
        guard !text.isEmpty else {
            throw ParseError(message: "the image reference is empty", hint: "write one like python:3.11-slim", offset: 0)
        }
        if let bad = text.firstIndex(where: { $0 == " " || $0 == "\t" }) {
            throw ParseError(message: "an image reference cannot contain spaces", hint: nil, offset: text.distance(from: text.startIndex, to: bad))
        }
        var remainder = Substring(text)
        var digest: String?
        if let at = remainder.firstIndex(of: "@") {
            let digestText = remainder[remainder.index(after: at)...]
            let digestOffset = text.distance(from: text.startIndex, to: at) + 1
            try Self.checkDigest(digestText, offset: digestOffset)
            digest = String(digestText)
            remainder = remainder[..<at]
        }
        // A tag follows the last ':' only if no '/' comes after it (else it is a port).
        var tag: String?
        if let colon = remainder.lastIndex(of: ":"), !remainder[colon...].contains("/") {
            let tagText = remainder[remainder.index(after: colon)...]
            let tagOffset = text.distance(from: text.startIndex, to: colon) + 1
            try Self.checkTag(tagText, offset: tagOffset)
            tag = String(tagText)
            remainder = remainder[..<colon]
        }
        let name = remainder
        guard !name.isEmpty else {
            throw ParseError(message: "the image reference has no repository name", hint: "write one like python:3.11-slim", offset: 0)
        }
        guard name.count <= 255 else {
            throw ParseError(message: "the repository name is longer than 255 characters", hint: nil, offset: 0)
        }
        var components = name.split(separator: "/", omittingEmptySubsequences: false)
        var domain: String?
        var offset = 0
        if components.count > 1, let first = components.first,
           first.contains(".") || first.contains(":") || first == "localhost" || first.contains(where: \.isUppercase) {
            try Self.checkDomain(first, offset: 0)
            domain = String(first)
            offset = first.count + 1
            components.removeFirst()
        }
        for component in components {
            try Self.checkPathComponent(component, offset: offset)
            offset += component.count + 1
        }
        self.domain = domain
        self.path = components.joined(separator: "/")
        self.tag = tag
        self.digest = digest
    }

    public var description: String {
        var text = domain.map { "\($0)/" } ?? ""
        text += path
        if let tag { text += ":\(tag)" }
        if let digest { text += "@\(digest)" }
        return text
    }

    /// `name` without tag or digest, with the domain: the repository to list tags of.
    public var repository: String { (domain.map { "\($0)/" } ?? "") + path }

    private static func isLowerAlphanumeric(_ c: Character) -> Bool {
        c.isASCII && (c.isNumber || c.isLowercase)
    }

    private static func checkPathComponent(_ component: Substring, offset: Int) throws(ParseError) {
        guard !component.isEmpty else {
            throw ParseError(message: "the image name has an empty path component", hint: "remove the doubled or trailing '/'", offset: offset)
        }
        if let upper = component.firstIndex(where: \.isUppercase) {
            throw ParseError(
                message: "image repository names must be lowercase",
                hint: "write '\(component.lowercased())'",
                offset: offset + component.distance(from: component.startIndex, to: upper))
        }
        // alpha-numeric (separator alpha-numeric)*, separator := [_.] | __ | -+
        var index = component.startIndex
        var previousWasSeparator = true
        var separatorRun = ""
        while index < component.endIndex {
            let c = component[index]
            let position = offset + component.distance(from: component.startIndex, to: index)
            if isLowerAlphanumeric(c) {
                if previousWasSeparator && index != component.startIndex {
                    guard separatorRun == "." || separatorRun == "_" || separatorRun == "__" || separatorRun.allSatisfy({ $0 == "-" }) else {
                        throw ParseError(message: "'\(separatorRun)' is not a valid separator in an image name", hint: "use '.', '_', '__' or '-'", offset: position - separatorRun.count)
                    }
                }
                previousWasSeparator = false
                separatorRun = ""
            } else if c == "." || c == "_" || c == "-" {
                if index == component.startIndex {
                    throw ParseError(message: "an image name component cannot start with '\(c)'", hint: nil, offset: position)
                }
                previousWasSeparator = true
                separatorRun.append(c)
            } else {
                throw ParseError(message: "'\(c)' is not allowed in an image name", hint: "use lowercase letters, digits, '.', '_' and '-'", offset: position)
            }
            index = component.index(after: index)
        }
        if previousWasSeparator {
            throw ParseError(message: "an image name component cannot end with '\(separatorRun)'", hint: nil, offset: offset + component.count - 1)
        }
    }

    private static func checkDomain(_ domain: Substring, offset: Int) throws(ParseError) {
        var host = domain
        if let colon = domain.lastIndex(of: ":"), !domain.hasPrefix("[") || domain[..<colon].hasSuffix("]") {
            let port = domain[domain.index(after: colon)...]
            guard !port.isEmpty, port.allSatisfy({ $0.isASCII && $0.isNumber }), let number = Int(port), (1...65535).contains(number) else {
                throw ParseError(message: "'\(port)' is not a valid registry port", hint: nil, offset: offset + domain.distance(from: domain.startIndex, to: colon) + 1)
            }
            host = domain[..<colon]
        }
        if host.hasPrefix("[") && host.hasSuffix("]") { return }
        for label in host.split(separator: ".", omittingEmptySubsequences: false) {
            guard let first = label.first, let last = label.last,
                  first.isASCII && (first.isLetter || first.isNumber),
                  last.isASCII && (last.isLetter || last.isNumber),
                  label.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) else {
                throw ParseError(message: "'\(host)' is not a valid registry host", hint: nil, offset: offset)
            }
        }
    }

    private static func checkTag(_ tag: Substring, offset: Int) throws(ParseError) {
        guard let first = tag.first else {
            throw ParseError(message: "the image tag after ':' is empty", hint: "write a tag like :latest or remove the ':'", offset: offset)
        }
        guard tag.count <= 128 else {
            throw ParseError(message: "the image tag is longer than 128 characters", hint: nil, offset: offset)
        }
        func isWord(_ c: Character) -> Bool { c.isASCII && (c.isLetter || c.isNumber || c == "_") }
        guard isWord(first) else {
            throw ParseError(message: "an image tag must start with a letter, digit or '_'", hint: nil, offset: offset)
        }
        if let bad = tag.firstIndex(where: { !(isWord($0) || $0 == "." || $0 == "-") }) {
            throw ParseError(message: "'\(tag[bad])' is not allowed in an image tag", hint: "tags use letters, digits, '_', '.' and '-'", offset: offset + tag.distance(from: tag.startIndex, to: bad))
        }
    }

    private static func checkDigest(_ digest: Substring, offset: Int) throws(ParseError) {
        guard let colon = digest.firstIndex(of: ":") else {
            throw ParseError(message: "an image digest looks like sha256:<hex>", hint: nil, offset: offset)
        }
        let algorithm = digest[..<colon]
        let hex = digest[digest.index(after: colon)...]
        guard let first = algorithm.first, first.isASCII && first.isLetter,
              algorithm.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "+.-_".contains($0)) }) else {
            throw ParseError(message: "'\(algorithm)' is not a digest algorithm", hint: "use sha256", offset: offset)
        }
        guard hex.count >= 32, hex.allSatisfy(\.isHexDigit) else {
            throw ParseError(message: "the image digest must be at least 32 hexadecimal digits", hint: nil, offset: offset + algorithm.count + 1)
        }
        if algorithm == "sha256" && hex.count != 64 {
            throw ParseError(message: "a sha256 digest has 64 hexadecimal digits, this one has \(hex.count)", hint: nil, offset: offset + algorithm.count + 1)
        }
    }
}
