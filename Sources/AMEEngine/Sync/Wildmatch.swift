/// Git's `wildmatch`, ported byte for byte so `.gitignore` patterns and artifact globs behave
/// exactly as they do in git (including its corner cases, which the tests check against
/// `git check-ignore`).
///
/// Works on UTF-8 bytes, like git: `?` matches one byte, not one character.
enum Wildmatch {
    enum Outcome {
        case match
        case noMatch
        /// No later position of an enclosing `*` can match either.
        case abortAll
        /// Only an enclosing `**` may still match, by consuming a `/`.
        case abortToStarStar
    }

    /// Whether `pattern` matches all of `text`. With `pathname`, `*`, `?` and `[...]` never
    /// match `/` and `**` between slashes matches any number of directories.
    static func matches(_ pattern: UnsafeBufferPointer<UInt8>, _ text: UnsafeBufferPointer<UInt8>, pathname: Bool) -> Bool {
        Matcher(pattern: pattern, text: text, pathname: pathname).run(patternStart: 0, textStart: 0) == .match
    }

    static func matches(_ pattern: [UInt8], _ text: String, pathname: Bool) -> Bool {
        pattern.withUnsafeBufferPointer { patternBuffer in
            withUTF8(of: text) { matches(patternBuffer, $0, pathname: pathname) }
        }
    }

    /// Calls `body` with the UTF-8 bytes of `text`, copying only when the string is not
    /// stored contiguously (bridged strings).
    static func withUTF8<Result>(of text: String, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        if let result = text.utf8.withContiguousStorageIfAvailable(body) { return result }
        return Array(text.utf8).withUnsafeBufferPointer(body)
    }

    /// Characters that make a pattern more than a literal string (git's `is_glob_special`).
    static func isSpecial(_ byte: UInt8) -> Bool {
        byte == .asterisk || byte == .question || byte == .leftBracket || byte == .backslash
    }

    /// The length of the leading run without special characters (git's `simple_length`).
    static func literalPrefixLength(_ pattern: [UInt8]) -> Int {
        pattern.firstIndex(where: isSpecial) ?? pattern.count
    }

    /// Why `pattern` can never match anything, or nil. Git silently treats these patterns as
    /// matching nothing; globs written by a user deserve an explanation instead.
    static func problem(with pattern: [UInt8]) -> String? {
        pattern.withUnsafeBufferPointer { buffer in
            let matcher = Matcher(pattern: buffer, text: UnsafeBufferPointer(start: nil, count: 0), pathname: true)
            var index = 0
            while index < buffer.count {
                switch buffer[index] {
                case .backslash:
                    if index + 1 >= buffer.count { return "ends with a lone '\\'" }
                    index += 1
                case .leftBracket:
                    // The same scanner as matching, so "malformed" means exactly what git means.
                    if matcher.matchClass(at: &index, textByte: UInt8(ascii: "a")) == nil {
                        return "has a '[' without a closing ']' or an unknown [:class:]"
                    }
                default:
                    break
                }
                index += 1
            }
            return nil
        }
    }
}

extension Wildmatch {
    /// The state of one match: both inputs, addressed by index, with C's terminating NUL
    /// emulated by `pattern(at:)` and `text(at:)` returning 0 past the end.
    private struct Matcher {
        let pattern: UnsafeBufferPointer<UInt8>
        let text: UnsafeBufferPointer<UInt8>
        let pathname: Bool

        @inline(__always) func pattern(at index: Int) -> UInt8 { index < pattern.count ? pattern[index] : 0 }
        @inline(__always) func text(at index: Int) -> UInt8 { index < text.count ? text[index] : 0 }

        func hasSlash(from index: Int) -> Bool {
            var position = index
            while position < text.count {
                if text[position] == .slash { return true }
                position += 1
            }
            return false
        }

        // swiftlint:disable:next cyclomatic_complexity function_body_length
        func run(patternStart: Int, textStart: Int) -> Outcome {
            var p = patternStart
            var t = textStart
            while true {
                var patternByte = pattern(at: p)
                if patternByte == 0 { break }
                var textByte = text(at: t)
                if textByte == 0 && patternByte != .asterisk { return .abortAll }
                switch patternByte {
                case .backslash:
                    // A literal match of the next byte; a trailing backslash matches nothing.
                    p += 1
                    patternByte = pattern(at: p)
                    if textByte != patternByte { return .noMatch }
                case .question:
                    if pathname && textByte == .slash { return .noMatch }
                case .asterisk:
                    var matchSlash: Bool
                    p += 1
                    if pattern(at: p) == .asterisk {
                        let before = p - 2
                        p += 1
                        while pattern(at: p) == .asterisk { p += 1 }
                        let after = pattern(at: p)
                        if (before < patternStart || pattern(at: before) == .slash)
                            && (after == 0 || after == .slash || (after == .backslash && pattern(at: p + 1) == .slash)) {
                            // `**/` may match no directory at all: try the rest right here.
                            if after == .slash && run(patternStart: p + 1, textStart: t) == .match { return .match }
                            matchSlash = true
                        } else {
                            // `**` not between slashes is an ordinary `*`.
                            matchSlash = false
                        }
                    } else {
                        matchSlash = !pathname
                    }
                    let next = pattern(at: p)
                    if next == 0 {
                        // A trailing `**` matches everything; a trailing `*` stops at a slash.
                        if !matchSlash && hasSlash(from: t) { return .abortToStarStar }
                        return .match
                    }
                    if !matchSlash && next == .slash {
                        // `*/`: the star takes everything up to the next slash.
                        var slash = t
                        while slash < text.count && text[slash] != .slash { slash += 1 }
                        if slash >= text.count { return .noMatch }
                        t = slash
                        break
                    }
                    while true {
                        if textByte == 0 { break }
                        if !isSpecial(next) {
                            // Skip ahead to the next occurrence of the literal that follows.
                            while true {
                                textByte = text(at: t)
                                if textByte == 0 || (!matchSlash && textByte == .slash) || textByte == next { break }
                                t += 1
                            }
                            if textByte != next { return matchSlash ? .abortAll : .abortToStarStar }
                        }
                        let outcome = run(patternStart: p, textStart: t)
                        if outcome != .noMatch {
                            if !matchSlash || outcome != .abortToStarStar { return outcome }
                        } else if !matchSlash && textByte == .slash {
                            return .abortToStarStar
                        }
                        t += 1
                        textByte = text(at: t)
                    }
                    return .abortAll
                case .leftBracket:
                    guard let end = matchClass(at: &p, textByte: textByte) else { return .abortAll }
                    if !end { return .noMatch }
                default:
                    if textByte != patternByte { return .noMatch }
                }
                p += 1
                t += 1
            }
            return t < text.count ? .noMatch : .match
        }

        /// Matches `textByte` against the class starting at `p` (the `[`), leaving `p` on its
        /// `]`. Nil when the class is malformed, which makes the whole pattern fail (as in git).
        func matchClass(at p: inout Int, textByte: UInt8) -> Bool? {
            p += 1
            var classByte = pattern(at: p)
            if classByte == .caret { classByte = .bang }
            var negated = false
            if classByte == .bang {
                negated = true
                p += 1
                classByte = pattern(at: p)
            }
            var previous: UInt8 = 0
            var matched = false
            while true {
                if classByte == 0 { return nil }
                if classByte == .backslash {
                    p += 1
                    classByte = pattern(at: p)
                    if classByte == 0 { return nil }
                    if textByte == classByte { matched = true }
                } else if classByte == .hyphen && previous != 0 && pattern(at: p + 1) != 0 && pattern(at: p + 1) != .rightBracket {
                    p += 1
                    classByte = pattern(at: p)
                    if classByte == .backslash {
                        p += 1
                        classByte = pattern(at: p)
                        if classByte == 0 { return nil }
                    }
                    if textByte <= classByte && textByte >= previous { matched = true }
                    // A range cannot be the start of another range.
                    classByte = 0
                } else if classByte == .leftBracket && pattern(at: p + 1) == .colon {
                    p += 2
                    let nameStart = p
                    while pattern(at: p) != 0 && pattern(at: p) != .rightBracket { p += 1 }
                    if pattern(at: p) == 0 { return nil }
                    let nameLength = p - nameStart - 1
                    if nameLength < 0 || pattern(at: p - 1) != .colon {
                        // Not `[:name:]` after all: the `[` is an ordinary member.
                        p = nameStart - 2
                        classByte = .leftBracket
                        if textByte == classByte { matched = true }
                    } else {
                        let name = String(decoding: UnsafeBufferPointer(rebasing: pattern[nameStart..<(nameStart + nameLength)]), as: UTF8.self)
                        guard let member = Self.posixClass(name, textByte) else { return nil }
                        if member { matched = true }
                        classByte = 0
                    }
                } else if textByte == classByte {
                    matched = true
                }
                previous = classByte
                p += 1
                classByte = pattern(at: p)
                if classByte == .rightBracket { break }
            }
            if matched == negated || (pathname && textByte == .slash) { return false }
            return true
        }

        /// Membership in a POSIX class, ASCII only as in git; nil for an unknown class name.
        static func posixClass(_ name: String, _ byte: UInt8) -> Bool? {
            let isUpper = (0x41...0x5A).contains(byte)
            let isLower = (0x61...0x7A).contains(byte)
            let isDigit = (0x30...0x39).contains(byte)
            let isAlpha = isUpper || isLower
            let isPrint = (0x20...0x7E).contains(byte)
            switch name {
            case "alnum": return isAlpha || isDigit
            case "alpha": return isAlpha
            case "blank": return byte == 0x20 || byte == 0x09
            case "cntrl": return byte < 0x20 || byte == 0x7F
            case "digit": return isDigit
            case "graph": return isPrint && byte != 0x20
            case "lower": return isLower
            case "print": return isPrint
            case "punct": return isPrint && byte != 0x20 && !isAlpha && !isDigit
            case "space": return byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
            case "upper": return isUpper
            case "xdigit": return isDigit || (0x41...0x46).contains(byte) || (0x61...0x66).contains(byte)
            default: return nil
            }
        }
    }
}

extension UInt8 {
    static let slash = UInt8(ascii: "/")
    static let backslash = UInt8(ascii: "\\")
    static let asterisk = UInt8(ascii: "*")
    static let question = UInt8(ascii: "?")
    static let leftBracket = UInt8(ascii: "[")
    static let rightBracket = UInt8(ascii: "]")
    static let bang = UInt8(ascii: "!")
    static let caret = UInt8(ascii: "^")
    static let hyphen = UInt8(ascii: "-")
    static let colon = UInt8(ascii: ":")
    static let hash = UInt8(ascii: "#")
    static let space = UInt8(ascii: " ")
}
