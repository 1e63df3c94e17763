import Foundation

/// A CPython release number such as 3.11.7. Interpreters always report all three parts;
/// requirements may leave the last ones out, which `components` keeps track of.
public struct PythonVersion: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var major: Int
    public var minor: Int
    public var micro: Int
    /// How many parts were written (1 for "3", 2 for "3.11", 3 for "3.11.7"). Matching
    /// "3.11" against an interpreter compares only the parts that were written.
    public var components: Int

    public init(major: Int, minor: Int = 0, micro: Int = 0, components: Int = 3) {
        self.major = major
        self.minor = minor
        self.micro = micro
        self.components = max(1, min(3, components))
    }

    /// Reads "3", "3.11" or "3.11.7". A fourth part or a pre-release suffix ("3.13.0rc1")
    /// is dropped: interpreters are matched on the release number alone.
    public init?(_ text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        var numbers: [Int] = []
        for part in trimmed.split(separator: ".", omittingEmptySubsequences: false).prefix(3) {
            let digits = part.prefix(while: { $0.isASCII && $0.isNumber })
            guard !digits.isEmpty, let value = Int(digits) else { return nil }
            numbers.append(value)
            // "0rc1": keep the 0, stop reading.
            if digits.count != part.count { break }
        }
        guard let major = numbers.first else { return nil }
        self.init(major: major, minor: numbers.count > 1 ? numbers[1] : 0,
                  micro: numbers.count > 2 ? numbers[2] : 0, components: numbers.count)
    }

    public var description: String {
        [major, minor, micro].prefix(components).map(String.init).joined(separator: ".")
    }

    /// "3.11" for any 3.11.x: the major.minor pair people mean when they say "Python 3.11".
    public var minorRelease: String { "\(major).\(minor)" }

    /// Whether `self` (as written, perhaps shortened) names `other`: "3.11" names 3.11.7.
    public func isPrefix(of other: PythonVersion) -> Bool {
        if major != other.major { return false }
        if components >= 2 && minor != other.minor { return false }
        if components >= 3 && micro != other.micro { return false }
        return true
    }

    /// Compares with missing parts as zeros (PEP 440 padding): 3.11 == 3.11.0.
    public static func < (lhs: PythonVersion, rhs: PythonVersion) -> Bool {
        (lhs.major, lhs.minor, lhs.micro) < (rhs.major, rhs.minor, rhs.micro)
    }

    public static func == (lhs: PythonVersion, rhs: PythonVersion) -> Bool {
        (lhs.major, lhs.minor, lhs.micro) == (rhs.major, rhs.minor, rhs.micro)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(major)
        hasher.combine(minor)
        hasher.combine(micro)
    }
}
