/// Checks that a describe document is one AME can use with a plugin found at
/// `ame-<fileName>`; nil when it is, else the reason in a sentence.
extension PluginDescription {
    /// Plugin names: `^[a-z][a-z0-9-]*$`.
    public static func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, ("a"..."z").contains(first) else { return false }
        return name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
    }

    public func problem(expectedName: String, supported: ProtocolRange = PluginProtocol.supported) -> String? {
        if schemaVersion != PluginProtocol.schemaVersion {
            return "its describe document has schemaVersion \(schemaVersion); this AME reads \(PluginProtocol.schemaVersion)"
        }
        if name != expectedName {
            return "it calls itself '\(name)' but its file is named ame-\(expectedName)"
        }
        if `protocol`.min > `protocol`.max {
            return "its protocol range \(`protocol`.min)…\(`protocol`.max) is empty"
        }
        if `protocol`.highestCommonVersion(with: supported) == nil {
            return "it speaks protocol \(`protocol`) and this AME speaks \(supported)"
        }
        if version.isEmpty { return "its describe document has an empty version" }
        var seen = Set<String>()
        for command in commands {
            if command.name.isEmpty { return "it describes a command with an empty name" }
            if !seen.insert(command.name).inserted { return "it describes the command '\(command.name)' twice" }
        }
        return nil
    }
}
