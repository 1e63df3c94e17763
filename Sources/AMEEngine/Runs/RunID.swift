import Foundation

/// Run ids: short enough to type, sortable by creation time, unguessable enough not to
/// collide (`r` + 8 base-32 digits of milliseconds + 4 random ones).
public enum RunID {
    static let alphabet = Array("0123456789abcdefghjkmnpqrstvwxyz")

    public static func make(at date: Date = Date()) -> String {
        var millis = UInt64(max(0, date.timeIntervalSince1970 * 1000))
        var time: [Character] = []
        for _ in 0..<9 {
            time.append(alphabet[Int(millis & 31)])
            millis >>= 5
        }
        var random = SystemRandomNumberGenerator()
        let suffix = (0..<4).map { _ in alphabet[Int(random.next() & 31)] }
        return "r" + String(time.reversed()) + String(suffix)
    }

    /// Letters, digits, '-' and '_' only: ids become file names.
    public static func isWellFormed(_ id: String) -> Bool {
        !id.isEmpty && id.count <= 64 && id.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
    }
}
