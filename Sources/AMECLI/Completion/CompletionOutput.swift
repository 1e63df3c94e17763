import AMEPluginKit
import ArgumentParser

/// How candidates are printed for each shell: zsh's `_describe` reads `value:description`
/// (colons in the value escaped), fish reads `value<TAB>description`, bash shows values only.
public enum CompletionOutput {
    public static func lines(_ candidates: [CompletionCandidate], shell: CompletionShell?) -> [String] {
        candidates.map { line(for: $0, shell: shell) }
    }

    static func line(for candidate: CompletionCandidate, shell: CompletionShell?) -> String {
        let value = oneLine(candidate.value)
        let description = candidate.description.map(oneLine).flatMap { $0.isEmpty ? nil : $0 }
        if shell == .zsh {
            let escaped = value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: ":", with: "\\:")
            return description.map { "\(escaped):\($0)" } ?? escaped
        }
        if shell == .fish {
            return description.map { "\(value)\t\($0)" } ?? value
        }
        return value
    }

    static func oneLine(_ text: String) -> String {
        String(text.map { $0 == "\n" || $0 == "\t" || $0 == "\r" ? " " : $0 })
    }

    /// The shell named by `--shell` or, for ArgumentParser's custom completions, the one
    /// the generated script announced.
    public static func shell(named name: String?) -> CompletionShell? {
        name.flatMap(CompletionShell.init(rawValue:)) ?? CompletionShell.requesting
    }
}
