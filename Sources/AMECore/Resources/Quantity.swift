import Foundation

/// A Kubernetes resource quantity (`2`, `500m`, `1.5`, `8Gi`, `512M`, `1e3`), kept as the
/// user wrote it and as an exact decimal value.
public struct Quantity: Hashable, Sendable, CustomStringConvertible {
    /// The text as written (canonical for quantities AME computes itself).
    public let text: String
    /// The exact value in base units (cores for cpu, bytes for memory).
    public let value: Decimal

    public enum ParseError: Error, Equatable, Sendable, CustomStringConvertible {
        case empty
        case malformedNumber(String)
        case unknownSuffix(String)

        public var description: String {
            switch self {
            case .empty: "empty quantity"
            case .malformedNumber(let text): "'\(text)' is not a number"
            case .unknownSuffix(let suffix): "unknown unit '\(suffix)'"
            }
        }
    }

    static let binarySuffixes: [(String, Decimal)] = [
        ("Ki", pow(2, 10)), ("Mi", pow(2, 20)), ("Gi", pow(2, 30)),
        ("Ti", pow(2, 40)), ("Pi", pow(2, 50)), ("Ei", pow(2, 60)),
    ]
    static let decimalSuffixes: [(String, Decimal)] = [
        ("n", Decimal(string: "0.000000001")!), ("u", Decimal(string: "0.000001")!), ("m", Decimal(string: "0.001")!),
        ("k", pow(10, 3)), ("M", pow(10, 6)), ("G", pow(10, 9)),
        ("T", pow(10, 12)), ("P", pow(10, 15)), ("E", pow(10, 18)),
    ]

    /// The units accepted after the number, for hints.
    public static let unitNames = "Ki, Mi, Gi, Ti, Pi, Ei (powers of 1024), k, M, G, T, P, E (powers of 1000), m (thousandths)"

    public init(parsing raw: String) throws(ParseError) {
        let text = raw.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else { throw .empty }
        // Split the leading signed number from the suffix.
        var numberEnd = text.startIndex
        var sawDigit = false
        var index = text.startIndex
        if text[index] == "+" || text[index] == "-" { index = text.index(after: index) }
        var sawDot = false
        while index < text.endIndex {
            let character = text[index]
            if character.isASCII && character.isNumber {
                sawDigit = true
            } else if character == "." && !sawDot {
                sawDot = true
            } else {
                break
            }
            index = text.index(after: index)
        }
        numberEnd = index
        let numberText = String(text[text.startIndex..<numberEnd])
        let suffix = String(text[numberEnd...])
        guard sawDigit, let number = Decimal(string: numberText, locale: Locale(identifier: "en_US_POSIX")) else {
            throw .malformedNumber(text)
        }
        let multiplier: Decimal
        if suffix.isEmpty {
            multiplier = 1
        } else if let binary = Self.binarySuffixes.first(where: { $0.0 == suffix }) {
            multiplier = binary.1
        } else if let decimal = Self.decimalSuffixes.first(where: { $0.0 == suffix }) {
            multiplier = decimal.1
        } else if let exponent = Self.exponent(of: suffix) {
            multiplier = exponent
        } else {
            throw .unknownSuffix(suffix)
        }
        self.text = text
        self.value = number * multiplier
    }

    /// `e3`, `E-2`: a decimal exponent suffix.
    private static func exponent(of suffix: String) -> Decimal? {
        guard let first = suffix.first, first == "e" || first == "E" else { return nil }
        guard let power = Int(suffix.dropFirst()), abs(power) <= 18 else { return nil }
        return power >= 0 ? pow(10, power) : 1 / pow(10, -power)
    }

    /// A quantity made from a whole number of bytes, written in the largest binary
    /// unit that divides it exactly (`536870912` → `512Mi`).
    public static func bytes(_ count: Int64) -> Quantity {
        for (suffix, multiplier) in binarySuffixes.reversed() {
            let unit = NSDecimalNumber(decimal: multiplier).int64Value
            if count != 0 && count % unit == 0 {
                return Quantity(text: "\(count / unit)\(suffix)", value: Decimal(count))
            }
        }
        return Quantity(text: "\(count)", value: Decimal(count))
    }

    /// A cpu quantity from millicores (`1500` → `1500m`, `2000` → `2`).
    public static func millicores(_ millis: Int64) -> Quantity {
        if millis % 1000 == 0 {
            return Quantity(text: "\(millis / 1000)", value: Decimal(millis / 1000))
        }
        return Quantity(text: "\(millis)m", value: Decimal(millis) / 1000)
    }

    init(text: String, value: Decimal) {
        self.text = text
        self.value = value
    }

    public var isNegative: Bool { value < 0 }
    public var isZero: Bool { value == 0 }

    /// The value rounded up to a whole number (bytes, for memory and storage).
    public var wholeUnits: Int64 { Self.roundedUp(value) }

    /// The value in thousandths, rounded up (millicores, for cpu).
    public var millis: Int64 { Self.roundedUp(value * 1000) }

    /// The value as a floating-point number (for display and ratios only).
    public var doubleValue: Double { NSDecimalNumber(decimal: value).doubleValue }

    private static func roundedUp(_ value: Decimal) -> Int64 {
        var input = value
        var result = Decimal()
        NSDecimalRound(&result, &input, 0, .up)
        let number = NSDecimalNumber(decimal: result)
        if number.compare(NSDecimalNumber(value: Int64.max)) == .orderedDescending { return Int64.max }
        return number.int64Value
    }

    /// This byte quantity multiplied by `factor`, rounded up to whole MiB when at least 1 MiB.
    public func scaledBytes(by factor: Double) -> Quantity {
        let scaled = Double(wholeUnits) * factor
        let mebibyte = 1_048_576.0
        if scaled >= mebibyte {
            let mebibytes = (scaled / mebibyte).rounded(.up)
            return .bytes(Int64(min(mebibytes * mebibyte, Double(Int64.max / 2))))
        }
        return .bytes(Int64(scaled.rounded(.up)))
    }

    public var description: String { text }
}

extension Quantity: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Int64.self) {
            self.init(text: String(number), value: Decimal(number))
            return
        }
        let text = try container.decode(String.self)
        do {
            try self.init(parsing: text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(text)
    }
}

extension Quantity: Comparable {
    public static func < (lhs: Quantity, rhs: Quantity) -> Bool { lhs.value < rhs.value }
}
