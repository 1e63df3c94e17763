import AMECLI
import Foundation

/// A terminal for tests: captures what a command writes and answers its questions from a
/// script, with each TTY flag chosen by the test.
public final class TestTerminal: Terminal, @unchecked Sendable {
    private let lock = NSLock()
    private var stdoutData = Data()
    private var stderrData = Data()
    private var answers: [String]
    private var input: Data
    public private(set) var prompts: [String] = []

    public let stdinIsTTY: Bool
    public let stdoutIsTTY: Bool
    public let stderrIsTTY: Bool
    public let colorEnabled: Bool
    public let width: Int

    /// `answers` are returned, in order, to each prompt; `input` is what stdin holds.
    public init(interactive: Bool = false, answers: [String] = [], input: Data = Data(), color: Bool = false, width: Int = 100) {
        self.stdinIsTTY = interactive
        self.stdoutIsTTY = interactive
        self.stderrIsTTY = interactive
        self.colorEnabled = color
        self.width = width
        self.answers = answers
        self.input = input
    }

    public func write(_ data: Data, to stream: AMECLI.OutputStream) {
        lock.lock()
        defer { lock.unlock() }
        switch stream {
        case .stdout: stdoutData.append(data)
        case .stderr: stderrData.append(data)
        }
    }

    public func readLine(prompt: String, hidden: Bool) -> String? {
        lock.lock()
        defer { lock.unlock() }
        prompts.append(prompt)
        stderrData.append(Data(prompt.utf8))
        guard !answers.isEmpty else { return nil }
        return answers.removeFirst()
    }

    public func readAllInput() -> Data {
        lock.lock()
        defer { lock.unlock() }
        let data = input
        input = Data()
        return data
    }

    public var stdout: String {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: stdoutData, as: UTF8.self)
    }

    public var stderr: String {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: stderrData, as: UTF8.self)
    }

    /// Answers not yet consumed: a test can check that every scripted answer was asked for.
    public var unusedAnswers: [String] {
        lock.lock()
        defer { lock.unlock() }
        return answers
    }
}
