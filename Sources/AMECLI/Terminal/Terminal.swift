import Foundation

/// Where a command reads and writes: the real process streams, or a scripted one in tests.
///
/// Commands never touch `FileHandle.standardOutput` or `readLine()` directly, so every one
/// of them runs in a test with no TTY and with answers typed by the test.
public protocol Terminal: AnyObject, Sendable {
    var stdinIsTTY: Bool { get }
    var stdoutIsTTY: Bool { get }
    var stderrIsTTY: Bool { get }
    /// Colour only on a TTY and only when `NO_COLOR` is unset.
    var colorEnabled: Bool { get }
    /// Columns of the terminal, 80 when unknown.
    var width: Int { get }

    func write(_ data: Data, to stream: OutputStream)
    /// One line of input after showing `prompt` on stderr; nil at end of input.
    /// `hidden` turns echo off (for secrets and tokens).
    func readLine(prompt: String, hidden: Bool) -> String?
    /// Everything left on stdin (for `ame secret set NAME < file`).
    func readAllInput() -> Data
}

public enum OutputStream: Sendable {
    case stdout
    case stderr
}

extension Terminal {
    /// Prompts make sense only when a person can answer them and see them.
    public var isInteractive: Bool { stdinIsTTY && stderrIsTTY }

    public func out(_ text: String) { write(Self.bytes(text), to: .stdout) }
    public func err(_ text: String) { write(Self.bytes(text), to: .stderr) }

    /// The text's UTF-8 bytes, copied from its storage: `Data(text.utf8)` goes through
    /// Data's generic initializer, whose dynamic casts scan every conformance in the binary
    /// at first use, and almost every `ame` command prints.
    static func bytes(_ text: String) -> Data {
        var text = text
        return text.withUTF8 { buffer in buffer.baseAddress.map { Data(bytes: $0, count: buffer.count) } ?? Data() }
    }
    public func outLine(_ text: String = "") { out(text + "\n") }
    public func errLine(_ text: String = "") { err(text + "\n") }

    public var style: Style { Style(enabled: colorEnabled) }
    public var errorStyle: Style { Style(enabled: colorEnabled && stderrIsTTY) }
}
