import Foundation

/// Kubernetes resource quantities, parsed the harness's own way (`8Gi`, `500m`, `1e3`).
enum HarnessQuantity {
    static func value(_ text: String) -> Double? {
        let suffixes: [(String, Double)] = [
            ("Ki", 1024), ("Mi", 1_048_576), ("Gi", 1_073_741_824), ("Ti", 1_099_511_627_776), ("Pi", 1_125_899_906_842_624),
            ("Ei", 1_152_921_504_606_846_976), ("n", 1e-9), ("u", 1e-6), ("m", 1e-3), ("k", 1e3), ("M", 1e6), ("G", 1e9),
            ("T", 1e12), ("P", 1e15), ("E", 1e18),
        ]
        for (suffix, multiplier) in suffixes where text.hasSuffix(suffix) {
            guard let number = Double(text.dropLast(suffix.count)) else { return nil }
            return number * multiplier
        }
        return Double(text)
    }

    /// A quantity is a string, or (from YAML) a number.
    static func value(_ json: JSON) -> Double? {
        switch json {
        case .string(let text): value(text)
        case .number(let number): number
        default: nil
        }
    }
}
