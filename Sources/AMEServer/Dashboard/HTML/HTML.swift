/// A piece of HTML. Interpolating a `String` escapes it; only another `HTML` goes in as
/// markup, so text from runs, logs and users can never become markup by accident.
struct HTML: Sendable, ExpressibleByStringInterpolation, CustomStringConvertible {
    var raw: String

    init(raw: String) { self.raw = raw }
    init(stringLiteral value: String) { raw = value }
    init(stringInterpolation: StringInterpolation) { raw = stringInterpolation.raw }

    var description: String { raw }

    static let empty = HTML(raw: "")

    /// The pieces one after another.
    static func join(_ pieces: [HTML], separator: HTML = .empty) -> HTML {
        HTML(raw: pieces.map(\.raw).joined(separator: separator.raw))
    }

    struct StringInterpolation: StringInterpolationProtocol {
        var raw = ""

        init(literalCapacity: Int, interpolationCount: Int) {
            raw.reserveCapacity(literalCapacity + interpolationCount * 16)
        }

        mutating func appendLiteral(_ literal: String) { raw += literal }
        mutating func appendInterpolation(_ text: String) { raw += HTML.escape(text) }
        mutating func appendInterpolation(_ html: HTML) { raw += html.raw }
        mutating func appendInterpolation(_ pieces: [HTML]) { for piece in pieces { raw += piece.raw } }
        mutating func appendInterpolation<Number: BinaryInteger>(_ number: Number) { raw += String(number) }
    }

    /// Text made safe for element content and quoted attribute values.
    static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text.unicodeScalars {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.unicodeScalars.append(character)
            }
        }
        return escaped
    }
}
