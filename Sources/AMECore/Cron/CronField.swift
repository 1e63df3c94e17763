/// One of the five fields of a cron expression, as the set of values it matches.
public struct CronField: Hashable, Sendable {
    public enum Kind: Int, Sendable, CaseIterable {
        case minute, hour, dayOfMonth, month, dayOfWeek

        public var name: String {
            switch self {
            case .minute: "minute"
            case .hour: "hour"
            case .dayOfMonth: "day of month"
            case .month: "month"
            case .dayOfWeek: "day of week"
            }
        }

        public var range: ClosedRange<Int> {
            switch self {
            case .minute: 0...59
            case .hour: 0...23
            case .dayOfMonth: 1...31
            case .month: 1...12
            // 7 is accepted as Sunday, as in Vixie cron; it is folded to 0.
            case .dayOfWeek: 0...7
            }
        }

        var names: [String: Int] {
            switch self {
            case .month:
                ["jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
                 "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12]
            case .dayOfWeek:
                ["sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6]
            default: [:]
            }
        }
    }

    public let kind: Kind
    public let values: Set<Int>
    /// `*` (or `*/1`): matters for the day-of-month/day-of-week "either" rule.
    public let isWildcard: Bool

    public func matches(_ value: Int) -> Bool { values.contains(value) }

    /// A problem in one field, with the offset of the offending text in the expression.
    public struct ParseError: Error, Equatable, Sendable {
        public var message: String
        public var hint: String?
        /// 0-based offset in the whole expression, in characters.
        public var offset: Int
    }

    /// Parses `text` (which starts at `offset` in the whole expression).
    static func parse(_ text: Substring, kind: Kind, offset: Int) throws(ParseError) -> CronField {
        var values = Set<Int>()
        var isWildcard = false
        var partOffset = offset
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            defer { partOffset += part.count + 1 }
            guard !part.isEmpty else {
                throw ParseError(message: "empty list entry in the \(kind.name) field", hint: "remove the extra comma", offset: partOffset)
            }
            var rangePart = part
            var step = 1
            if let slash = part.firstIndex(of: "/") {
                rangePart = part[part.startIndex..<slash]
                let stepText = part[part.index(after: slash)...]
                guard let parsed = Int(stepText), parsed > 0 else {
                    throw ParseError(
                        message: "step '\(stepText)' in the \(kind.name) field is not a positive number",
                        hint: "write a step like */5",
                        offset: partOffset + part.distance(from: part.startIndex, to: slash) + 1)
                }
                step = parsed
            }
            let low: Int, high: Int
            if rangePart == "*" {
                (low, high) = (kind.range.lowerBound, kind == .dayOfWeek ? 6 : kind.range.upperBound)
                if step == 1 { isWildcard = true }
            } else if let dash = rangePart.firstIndex(of: "-") {
                low = try value(rangePart[rangePart.startIndex..<dash], kind: kind, offset: partOffset)
                let highText = rangePart[rangePart.index(after: dash)...]
                high = try value(highText, kind: kind, offset: partOffset + rangePart.distance(from: rangePart.startIndex, to: dash) + 1)
                guard low <= high else {
                    throw ParseError(
                        message: "range \(rangePart) in the \(kind.name) field runs backwards",
                        hint: "write the smaller value first",
                        offset: partOffset)
                }
            } else {
                low = try value(rangePart, kind: kind, offset: partOffset)
                // `5/15` means from 5 to the end in steps of 15, as in Vixie cron.
                high = step > 1 ? (kind == .dayOfWeek ? 6 : kind.range.upperBound) : low
            }
            var current = low
            while current <= high {
                values.insert(kind == .dayOfWeek && current == 7 ? 0 : current)
                current += step
            }
        }
        return CronField(kind: kind, values: values, isWildcard: isWildcard)
    }

    private static func value(_ text: Substring, kind: Kind, offset: Int) throws(ParseError) -> Int {
        if let number = Int(text) {
            guard kind.range.contains(number) else {
                throw ParseError(
                    message: "\(number) is out of range for the \(kind.name) field (\(kind.range.lowerBound)-\(kind.range.upperBound))",
                    hint: nil,
                    offset: offset)
            }
            return number
        }
        if let named = kind.names[text.lowercased()] { return named }
        var hint: String?
        if !kind.names.isEmpty {
            if let suggestion = Suggestion.closest(to: String(text), in: kind.names.keys.sorted()) {
                hint = "did you mean '\(suggestion)'?"
            } else {
                hint = "use a number or one of \(kind.names.sorted { $0.value < $1.value }.map(\.key).joined(separator: ", "))"
            }
        } else {
            hint = "use a number from \(kind.range.lowerBound) to \(kind.range.upperBound), a range like 1-5, a list like 1,15 or a step like */10"
        }
        throw ParseError(message: "'\(text)' is not a valid \(kind.name)", hint: hint, offset: offset)
    }
}
