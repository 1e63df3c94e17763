import ArgumentParser

/// Completion kinds that AME itself knows how to complete (tasks, runs, secrets, servers),
/// and values only the plugin knows. Use them on a Swift plugin's options and arguments:
///
///     @Argument(completion: AMECompletion.task) var task: String
///     @Option(completion: AMECompletion.dynamic { _, _, prefix in models(matching: prefix) }) var model: String
///
/// ArgumentParser has no way to mark a custom kind, so AME's own kinds travel as a
/// shell-command completion with a marker that `DescriptionBuilder` recognizes.
public enum AMECompletion {
    static let markerPrefix = "ame-completion:"

    public static var task: CompletionKind { .shellCommand(markerPrefix + "task") }
    public static var run: CompletionKind { .shellCommand(markerPrefix + "run") }
    public static var secret: CompletionKind { .shellCommand(markerPrefix + "secret") }
    public static var server: CompletionKind { .shellCommand(markerPrefix + "server") }

    /// Candidates computed by the plugin when the user presses Tab: AME sends the
    /// `complete` request and waits at most one second. The closure gets the words after
    /// `ame NAME` (the command name first, as ArgumentParser passes them), the index of the
    /// word being completed, and its text up to the cursor. It runs in the plugin's own
    /// process, with no host methods (no engine, no network through AME).
    public static func dynamic(_ candidates: @escaping @Sendable ([String], Int, String) -> [String]) -> CompletionKind {
        .custom(candidates)
    }

    /// `dynamic` with an `async` closure; the plugin's root command must then be an
    /// `AsyncParsableCommand`.
    public static func dynamic(_ candidates: @escaping @Sendable ([String], Int, String) async -> [String]) -> CompletionKind {
        .custom(candidates)
    }

    static func kind(fromMarker command: String) -> CompletionDescription.Kind? {
        guard command.hasPrefix(markerPrefix) else { return nil }
        return CompletionDescription.Kind(rawValue: String(command.dropFirst(markerPrefix.count)))
    }
}
