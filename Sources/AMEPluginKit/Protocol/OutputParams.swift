/// `output` (plugin → core, notification): text for the user's stdout (the plugin's own
/// stdout carries the protocol). Written exactly as given; add the newline yourself.
public struct OutputParams: Hashable, Sendable {
    public var text: String

    public init(text: String) {
        self.text = text
    }
}
