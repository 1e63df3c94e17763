import ArgumentParser

/// Completion kinds that AME itself knows how to complete (tasks, runs, secrets). Use them
/// on a Swift plugin's options and arguments:
///
///     @Argument(completion: AMECompletion.task) var task: String
///
/// ArgumentParser has no way to mark a custom kind, so these travel as a shell-command
/// completion with a marker that `DescriptionBuilder` recognizes.
public enum AMECompletion {
    static let markerPrefix = "ame-completion:"

    public static var task: CompletionKind { .shellCommand(markerPrefix + "task") }
    public static var run: CompletionKind { .shellCommand(markerPrefix + "run") }
    public static var secret: CompletionKind { .shellCommand(markerPrefix + "secret") }

    static func kind(fromMarker command: String) -> CompletionDescription.Kind? {
        guard command.hasPrefix(markerPrefix) else { return nil }
        return CompletionDescription.Kind(rawValue: String(command.dropFirst(markerPrefix.count)))
    }
}
