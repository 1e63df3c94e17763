import Foundation

/// Durations as users write them in `ame.yaml` (`90`, `90s`, `30m`, `2h`, `1h30m`, `1d`).
public enum DurationText {
    public static func seconds(parsing text: String) -> Int? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let plain = Int(trimmed) { return plain }
        var total = 0
        var number = ""
        var sawUnit = false
        for character in trimmed {
            if character.isASCII && character.isNumber {
                number.append(character)
                continue
            }
            guard let value = Int(number) else { return nil }
            let multiplier: Int
            switch character {
            case "s": multiplier = 1
            case "m": multiplier = 60
            case "h": multiplier = 3600
            case "d": multiplier = 86400
            default: return nil
            }
            let (product, overflow) = value.multipliedReportingOverflow(by: multiplier)
            guard !overflow else { return nil }
            total += product
            number = ""
            sawUnit = true
        }
        guard number.isEmpty, sawUnit else { return nil }
        return total
    }

    /// `5400` → `1h30m`.
    public static func format(seconds: Int) -> String {
        if seconds == 0 { return "0s" }
        var parts = ""
        var rest = seconds
        for (unit, size) in [("d", 86400), ("h", 3600), ("m", 60), ("s", 1)] where rest >= size {
            parts += "\(rest / size)\(unit)"
            rest %= size
        }
        return parts
    }
}
