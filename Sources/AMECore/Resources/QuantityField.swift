/// Checks a resource value as written by a user, in `ame.yaml` or on the command line, so
/// both report the same problems in the same words.
public enum QuantityField {
    /// A problem phrased to follow the field's name: "'memory' of task 'x' " + message.
    public struct Problem: Error, Equatable, Sendable {
        public var message: String
        public var hint: String?
    }

    /// `isBytes` for memory, storage and vram; otherwise cpu.
    public static func parse(_ text: String, isBytes: Bool) throws(Problem) -> Quantity {
        let example = isBytes ? "8Gi" : "2 or 500m"
        let quantity: Quantity
        do {
            quantity = try Quantity(parsing: text)
        } catch {
            switch error {
            case .unknownSuffix(let suffix):
                let known = (Quantity.binarySuffixes + Quantity.decimalSuffixes).map(\.0)
                let hint = Suggestion.closest(to: suffix, in: known).map { "did you mean '\(text.dropLast(suffix.count))\($0)'?" }
                    ?? "units: \(Quantity.unitNames)"
                throw Problem(message: "has an unknown unit '\(suffix)' in '\(text)'", hint: hint)
            case .empty:
                throw Problem(message: "is empty", hint: "write a quantity such as \(example)")
            case .malformedNumber:
                throw Problem(message: "is not a quantity: '\(text)'", hint: "write a number with an optional unit, such as \(example)")
            }
        }
        if quantity.isNegative || quantity.isZero {
            throw Problem(message: "must be more than zero, not \(text)", hint: nil)
        }
        if isBytes {
            if text.hasSuffix("m") {
                throw Problem(message: "is '\(text)', which means thousandths of a byte",
                              hint: "did you mean '\(text.dropLast())Mi' or '\(text.dropLast())M'?")
            }
            if quantity.wholeUnits < 1_048_576 {
                throw Problem(message: "is \(text), which is less than 1 MiB", hint: "add a unit, such as '\(text)Gi' or '\(text)Mi'")
            }
        } else if quantity.millis < 1 {
            throw Problem(message: "is less than 1m (a thousandth of a core)", hint: nil)
        }
        return quantity
    }
}
