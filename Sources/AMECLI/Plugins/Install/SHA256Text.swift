/// SHA-256 text as the user may type it: 64 hex digits, any case, optionally `sha256:`.
enum SHA256Text {
    static func normalize(_ text: String) -> String? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        let hex = trimmed.hasPrefix("sha256:") ? String(trimmed.dropFirst(7)) : trimmed
        guard hex.count == 64, hex.allSatisfy({ $0.isHexDigit }) else { return nil }
        return hex
    }
}
