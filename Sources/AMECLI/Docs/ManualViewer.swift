import AMESystem
import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `ame help COMMAND…` for a built-in command: its manual page through `man` when `man` is
/// installed (the page is generated on the spot, so it always matches this binary),
/// otherwise the built-in help. On a terminal `man` pages it; elsewhere its plain text
/// goes to stdout.
public enum ManualViewer {
    /// `ame`'s exit status, or nil to fall back to the built-in help. `root`: the command tree
    /// the words are in.
    public static func show(_ words: [String], context: CommandContext,
                            root: any ParsableCommand.Type = RootCommand.self) async -> Int32? {
        guard let man = ExecutableLookup.find("man", path: context.environment["PATH"]),
              let page = try? ManualPages().page(forCommand: words, root: root) else { return nil }
        let file = URL(fileURLWithPath: NSTemporaryDirectory())
            .appendingPathComponent("ame-help-\(getpid())-\((["ame"] + words).joined(separator: "-")).1")
        guard (try? Data(page.utf8).write(to: file)) != nil else { return nil }
        defer { try? FileManager.default.removeItem(at: file) }

        var environment = context.environment
        let interactive = context.terminal.stdoutIsTTY && context.terminal is SystemTerminal
        if !interactive {
            environment["MANPAGER"] = "cat"
            environment["PAGER"] = "cat"
            environment["MANWIDTH"] = String(context.terminal.width)
            environment.removeValue(forKey: "MAN_KEEP_FORMATTING")
        }
        var configuration = ChildProcess.Configuration(executable: man, arguments: ["-l", file.path], environment: environment,
                                                       workingDirectory: context.workingDirectory.path)
        configuration.standardError = .pipe
        if interactive {
            // The pager reads the keyboard: it must stay in the terminal's foreground group.
            configuration.newSession = false
            configuration.standardInput = .fileDescriptor(STDIN_FILENO)
            configuration.standardOutput = .inherit
        } else {
            configuration.standardOutput = .pipe
        }
        guard let child = try? ChildProcess.spawn(configuration) else { return nil }
        let errors = child.standardError.map { handle in Task { await PipeReader.readAll(handle) } }
        let output = child.standardOutput.map { handle in Task { await PipeReader.readAll(handle) } }
        // Ctrl-C is the pager's to handle; `ame` waits for it.
        let pagerHasCtrlC = interactive ? InterruptSignals.shared.subscribe {} : nil
        let status = await child.waitForExit()
        pagerHasCtrlC?.cancel()
        _ = await errors?.value
        guard status.succeeded else { return nil }
        if let output {
            let text = await output.value
            guard !text.isEmpty else { return nil }
            context.terminal.out(String(decoding: text, as: UTF8.self))
        }
        return 0
    }
}
