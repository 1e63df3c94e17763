import Foundation

/// Rules for the names users give projects, tasks, steps and secrets.
public enum Names {
    /// Letters, digits, `.`, `_` and `-`, starting with a letter, digit or `_`; at most 63.
    public static func isValidTaskName(_ name: String) -> Bool {
        isSimpleName(name)
    }

    public static func isValidProjectName(_ name: String) -> Bool {
        isSimpleName(name)
    }

    /// Secret names follow the same rule (they become Kubernetes object names, lowercased).
    public static func isValidSecretName(_ name: String) -> Bool {
        isSimpleName(name)
    }

    static func isSimpleName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, name.unicodeScalars.count <= 63 else { return false }
        func allowed(_ scalar: Unicode.Scalar) -> Bool {
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "_" || scalar == "-" || scalar == ".")
        }
        return allowed(first) && first != "-" && first != "." && name.unicodeScalars.allSatisfy(allowed)
    }

    /// A valid name close to `name`, for hints.
    public static func suggestedName(from name: String) -> String {
        let mapped = name.unicodeScalars.map { scalar -> Character in
            (scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "_" || scalar == "-" || scalar == "."))
                ? Character(scalar) : "-"
        }
        let trimmed = String(mapped).trimmingCharacters(in: CharacterSet(charactersIn: "-."))
        return trimmed.isEmpty ? "my-project" : String(trimmed.prefix(63))
    }
}
