import Foundation

/// Just enough XML for S3's answers (listings, upload ids, errors): elements, text and
/// entities; attributes, comments, processing instructions and CDATA are read past.
/// (FoundationXML would need libxml2 at run time; S3's documents do not need it.)
struct XMLElement: Sendable {
    var name: String
    var children: [XMLElement] = []
    var text = ""

    /// The first child called `name`.
    func child(_ name: String) -> XMLElement? { children.first { $0.name == name } }
    func children(_ name: String) -> [XMLElement] { children.filter { $0.name == name } }
    /// The text of the first child called `name`.
    func value(_ name: String) -> String? { child(name)?.text }

    struct ParseError: Error, CustomStringConvertible {
        var description: String
    }

    /// The document's root element.
    static func parse(_ data: Data) throws -> XMLElement {
        var parser = Parser(bytes: [UInt8](data))
        return try parser.document()
    }

    private struct Parser {
        let bytes: [UInt8]
        var index = 0

        init(bytes: [UInt8]) {
            self.bytes = bytes
        }

        mutating func document() throws -> XMLElement {
            var stack: [XMLElement] = []
            var root: XMLElement?
            while index < bytes.count {
                if bytes[index] == UInt8(ascii: "<") {
                    if starts(with: "<?") {
                        try skip(past: "?>")
                    } else if starts(with: "<!--") {
                        try skip(past: "-->")
                    } else if starts(with: "<![CDATA[") {
                        index += 9
                        let start = index
                        try skip(past: "]]>")
                        if !stack.isEmpty { stack[stack.count - 1].text += String(decoding: bytes[start..<(index - 3)], as: UTF8.self) }
                    } else if starts(with: "<!") {
                        try skip(past: ">")
                    } else if starts(with: "</") {
                        index += 2
                        let name = readName()
                        try skip(past: ">")
                        guard var element = stack.popLast(), element.name == name else {
                            throw ParseError(description: "unexpected </\(name)>")
                        }
                        element.text = element.text.trimmingCharacters(in: .whitespacesAndNewlines)
                        if stack.isEmpty {
                            root = element
                        } else {
                            stack[stack.count - 1].children.append(element)
                        }
                    } else {
                        index += 1
                        let name = readName()
                        guard !name.isEmpty else { throw ParseError(description: "an element without a name") }
                        // Attributes are not needed: skip to the end of the tag, minding quotes.
                        var quote: UInt8?
                        var selfClosing = false
                        while index < bytes.count {
                            let byte = bytes[index]
                            if let open = quote {
                                if byte == open { quote = nil }
                            } else if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                                quote = byte
                            } else if byte == UInt8(ascii: ">") {
                                selfClosing = index > 0 && bytes[index - 1] == UInt8(ascii: "/")
                                break
                            }
                            index += 1
                        }
                        index += 1
                        let element = XMLElement(name: name)
                        if selfClosing {
                            if stack.isEmpty { root = element } else { stack[stack.count - 1].children.append(element) }
                        } else {
                            stack.append(element)
                        }
                    }
                } else {
                    let start = index
                    while index < bytes.count && bytes[index] != UInt8(ascii: "<") { index += 1 }
                    if !stack.isEmpty {
                        stack[stack.count - 1].text += Self.decodeEntities(String(decoding: bytes[start..<index], as: UTF8.self))
                    }
                }
            }
            guard let root, stack.isEmpty else { throw ParseError(description: "the document ends before its root element does") }
            return root
        }

        func starts(with text: String) -> Bool {
            let pattern = Array(text.utf8)
            return index + pattern.count <= bytes.count && Array(bytes[index..<(index + pattern.count)]) == pattern
        }

        mutating func skip(past text: String) throws {
            while index < bytes.count {
                if starts(with: text) {
                    index += text.utf8.count
                    return
                }
                index += 1
            }
            throw ParseError(description: "'\(text)' is missing")
        }

        mutating func readName() -> String {
            let start = index
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: " ") || byte == UInt8(ascii: ">") || byte == UInt8(ascii: "/") || byte == UInt8(ascii: "\n")
                    || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r") { break }
                index += 1
            }
            let name = String(decoding: bytes[start..<index], as: UTF8.self)
            // Namespace prefixes do not matter here.
            return name.split(separator: ":").last.map(String.init) ?? name
        }

        static func decodeEntities(_ text: String) -> String {
            guard text.contains("&") else { return text }
            var result = ""
            var rest = Substring(text)
            while let amp = rest.firstIndex(of: "&") {
                result += rest[..<amp]
                let after = rest[rest.index(after: amp)...]
                guard let semicolon = after.firstIndex(of: ";"), after.distance(from: after.startIndex, to: semicolon) <= 10 else {
                    result += "&"
                    rest = after
                    continue
                }
                let entity = after[..<semicolon]
                switch entity {
                case "amp": result += "&"
                case "lt": result += "<"
                case "gt": result += ">"
                case "quot": result += "\""
                case "apos": result += "'"
                default:
                    var scalar: UnicodeScalar?
                    if entity.hasPrefix("#x") || entity.hasPrefix("#X") {
                        scalar = UInt32(entity.dropFirst(2), radix: 16).flatMap(UnicodeScalar.init)
                    } else if entity.hasPrefix("#") {
                        scalar = UInt32(entity.dropFirst(1)).flatMap(UnicodeScalar.init)
                    }
                    if let scalar { result.unicodeScalars.append(scalar) } else { result += "&\(entity);" }
                }
                rest = after[after.index(after: semicolon)...]
            }
            return result + rest
        }
    }
}
