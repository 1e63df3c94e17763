import Foundation
import Yams

/// Writes a string as a YAML scalar that reads back as exactly that string.
public enum YAMLScalar {
    public static func render(_ value: String) -> String {
        if isSafePlain(value) { return value }
        return doubleQuoted(value)
    }

    /// Quantities read as their text whether YAML types them as numbers or not, so `2`
    /// and `1.5` stay unquoted as users write them.
    public static func renderQuantity(_ value: String) -> String {
        let isPlainNumber = !value.isEmpty && value.allSatisfy { $0.isASCII && ($0.isNumber || $0 == ".") }
        return isPlainNumber ? value : render(value)
    }

    /// Plain when libyaml reads it back as the same text with the string tag (so `true`,
    /// `1.0`, `~`, `a: b` and `#x` get quotes).
    static func isSafePlain(_ value: String) -> Bool {
        guard !value.isEmpty, value.trimmingCharacters(in: .whitespaces) == value,
              !value.contains("\n"), !value.contains("\t") else { return false }
        guard let node = try? Yams.compose(yaml: "k: \(value)\n"),
              case .mapping(let mapping) = node, mapping.count == 1,
              let read = mapping.first?.value, case .scalar(let scalar) = read else { return false }
        return scalar.string == value && read.null == nil && read.bool == nil && read.int == nil && read.float == nil && read.timestamp == nil
    }

    static func doubleQuoted(_ value: String) -> String {
        var text = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\t": text += "\\t"
            case "\r": text += "\\r"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    text += String(format: "\\x%02X", scalar.value)
                } else {
                    text.unicodeScalars.append(scalar)
                }
            }
        }
        return text + "\""
    }
}
