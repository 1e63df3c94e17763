import AMECore
import Foundation

/// Reads one NDJSON log line (`{"offset":…,"next":…,"kind":…,"step":…,"time":…,"text":…}`)
/// without `JSONDecoder`, whose string unescaping dominates when megabytes of log stream in.
/// Any line it does not understand is left to `JSONDecoder` by the caller (nil here).
enum NDJSONLogDecoder {
    static func decode(_ line: UnsafeRawBufferPointer) -> LogEvent? {
        var parser = Parser(bytes: line.bindMemory(to: UInt8.self))
        return parser.event()
    }

    struct Parser {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        init(bytes: UnsafeBufferPointer<UInt8>) {
            self.bytes = bytes
        }

        mutating func event() -> LogEvent? {
            var offset: Int64?, next: Int64?, kind: LogEvent.Kind?, step: String?, time: Date?
            var data: Data?, exitCode: Int32?
            skipSpace()
            guard take(0x7B) else { return nil }
            skipSpace()
            if take(0x7D) { return nil }
            while true {
                skipSpace()
                guard let key = rawString() else { return nil }
                skipSpace()
                guard take(0x3A) else { return nil }
                skipSpace()
                switch key {
                case "offset": offset = integer()
                case "next": next = integer()
                case "exitCode": exitCode = integer().flatMap { Int32(exactly: $0) }
                case "kind": kind = string().flatMap { LogEvent.Kind(rawValue: String(decoding: $0, as: UTF8.self)) }
                case "step":
                    if isNull() { index += 4 } else { step = string().map { String(decoding: $0, as: UTF8.self) } }
                case "time": time = string().flatMap { NDJSONLogDecoder.date(String(decoding: $0, as: UTF8.self)) }
                case "text": data = string().map { Data($0) }
                case "data": data = string().flatMap { Data(base64Encoded: Data($0)) }
                default: return nil
                }
                skipSpace()
                if take(0x2C) { continue }
                guard take(0x7D) else { return nil }
                break
            }
            guard let offset, let next, let kind, let time else { return nil }
            if kind != .end && data == nil { return nil }
            return LogEvent(offset: offset, next: next, kind: kind, step: step, time: time, data: data ?? Data(), exitCode: exitCode)
        }

        mutating func skipSpace() {
            while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x09 || bytes[index] == 0x0D || bytes[index] == 0x0A { index += 1 }
        }

        mutating func take(_ byte: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }

        func isNull() -> Bool {
            index + 4 <= bytes.count && bytes[index] == 0x6E && bytes[index + 1] == 0x75 && bytes[index + 2] == 0x6C && bytes[index + 3] == 0x6C
        }

        mutating func integer() -> Int64? {
            var negative = false
            if take(0x2D) { negative = true }
            var value: Int64 = 0
            var digits = 0
            while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 {
                let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
                let (sum, overflow2) = times.addingReportingOverflow(Int64(bytes[index] - 0x30))
                guard !overflow1, !overflow2 else { return nil }
                value = sum
                index += 1
                digits += 1
            }
            return digits == 0 ? nil : (negative ? -value : value)
        }

        /// A key: a string without escapes.
        mutating func rawString() -> String? {
            guard take(0x22) else { return nil }
            let start = index
            while index < bytes.count, bytes[index] != 0x22 {
                if bytes[index] == 0x5C { return nil }
                index += 1
            }
            guard index < bytes.count else { return nil }
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
            index += 1
            return text
        }

        /// A string value's UTF-8 bytes, unescaped; runs without escapes are copied at once.
        mutating func string() -> [UInt8]? {
            guard take(0x22) else { return nil }
            var result: [UInt8] = []
            var start = index
            while index < bytes.count {
                let byte = bytes[index]
                if byte == 0x22 {
                    result.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index]))
                    index += 1
                    return result
                }
                if byte != 0x5C {
                    index += 1
                    continue
                }
                if result.isEmpty { result.reserveCapacity(bytes.count - start) }
                result.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index]))
                index += 1
                guard index < bytes.count else { return nil }
                let escaped = bytes[index]
                index += 1
                switch escaped {
                case 0x22, 0x5C, 0x2F: result.append(escaped)
                case 0x6E: result.append(0x0A)
                case 0x74: result.append(0x09)
                case 0x72: result.append(0x0D)
                case 0x62: result.append(0x08)
                case 0x66: result.append(0x0C)
                case 0x75:
                    guard var scalar = hex4() else { return nil }
                    if (0xD800...0xDBFF).contains(scalar) {
                        // A surrogate pair: \uD83D\uDE00.
                        guard take(0x5C), take(0x75), let low = hex4(), (0xDC00...0xDFFF).contains(low) else { return nil }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let unicode = Unicode.Scalar(scalar) else { return nil }
                    result.append(contentsOf: Array(String(Character(unicode)).utf8))
                default: return nil
                }
                start = index
            }
            return nil
        }

        mutating func hex4() -> UInt32? {
            guard index + 4 <= bytes.count else { return nil }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[index]
                let digit: UInt8
                switch byte {
                case 0x30...0x39: digit = byte - 0x30
                case 0x61...0x66: digit = byte - 0x61 + 10
                case 0x41...0x46: digit = byte - 0x41 + 10
                default: return nil
                }
                value = value << 4 | UInt32(digit)
                index += 1
            }
            return value
        }
    }

    /// `2026-11-27T12:00:00.123Z` directly; anything else through Foundation.
    static func date(_ text: String) -> Date? {
        let utf8 = Array(text.utf8)
        guard utf8.count == 24, utf8[4] == 0x2D, utf8[7] == 0x2D, utf8[10] == 0x54, utf8[13] == 0x3A, utf8[16] == 0x3A,
              utf8[19] == 0x2E, utf8[23] == 0x5A else { return WireFormat.parseDate(text) }
        func number(_ range: Range<Int>) -> Int64? {
            var value: Int64 = 0
            for index in range {
                guard utf8[index] >= 0x30, utf8[index] <= 0x39 else { return nil }
                value = value * 10 + Int64(utf8[index] - 0x30)
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10), let hour = number(11..<13),
              let minute = number(14..<16), let second = number(17..<19), let milli = number(20..<23),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61 else {
            return WireFormat.parseDate(text)
        }
        // Days since 1970-01-01 from the civil date (Howard Hinnant's algorithm).
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        let milliseconds = ((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + milli
        return Date(timeIntervalSince1970: Double(milliseconds) / 1000)
    }
}
