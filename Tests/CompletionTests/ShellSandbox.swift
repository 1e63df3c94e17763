import AMETestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A user's machine for the shell tests: a private HOME, `ame` copied into a folder of its
/// own and first on `PATH` (so the example plugin built beside the real binary is not
/// found: "before install" really has no `hello`), the quickstart project, two finished
/// runs of a trivial task, and the scripts `ame completion SHELL` prints.
final class ShellSandbox: @unchecked Sendable {
    let sandbox: AMESandbox
    let bin: URL
    let quickstart: URL
    /// Newest first.
    let runIDs: [String]
    let scripts: [Shell: URL]

    enum Shell: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case bash, zsh, fish
        var testDescription: String { rawValue }
    }

    /// One per test process: making runs takes a while on a loaded machine.
    static func shared() async throws -> ShellSandbox {
        try await Shared.instance.get()
    }

    private actor Shared {
        static let instance = Shared()
        var made: ShellSandbox?
        func get() async throws -> ShellSandbox {
            if let made { return made }
            let created = try await ShellSandbox()
            made = created
            return created
        }
    }

    private init() async throws {
        let sandbox = try AMESandbox(.embedded)
        bin = sandbox.directory.url.appendingPathComponent("bin")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        let ame = bin.appendingPathComponent("ame")
        try FileManager.default.copyItem(at: Fixtures.ameBinary, to: ame)
        sandbox.ameBinary = ame
        sandbox.setEnvironment("PATH", "\(bin.path):/usr/local/bin:/usr/bin:/bin")
        sandbox.setEnvironment("XDG_CACHE_HOME", sandbox.directory.url.appendingPathComponent("home/.cache").path)
        sandbox.setEnvironment("AME_PLUGIN_PATH", nil)
        // fish resets USER to the account's name, and runs belong to $USER: the runs made
        // here must have the owner every shell will ask as.
        if let account = getpwuid(getuid()), let name = account.pointee.pw_name {
            sandbox.setEnvironment("USER", String(cString: name))
        }
        self.sandbox = sandbox

        quickstart = try sandbox.project(copying: "quickstart")
        let trivial = try sandbox.project(["ame.yaml": """
            projectname: trivial
            tasks:
              hi:
                runcommand: echo hi
                dependencies: none
            """])
        var ids: [String] = []
        for _ in 0..<2 {
            let submitted = try await sandbox.ame(["run", "hi", "--detach"], in: trivial, timeout: .seconds(300))
            guard submitted.exitCode == 0 else { throw Failure("ame run --detach failed: \(submitted.stderr)") }
            ids.append(submitted.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        for id in ids { try await Self.waitUntilFinished(sandbox, id) }
        runIDs = ids.reversed()

        var scripts: [Shell: URL] = [:]
        for shell in Shell.allCases {
            let result = try await sandbox.ame(["completion", shell.rawValue])
            guard result.exitCode == 0 else { throw Failure("ame completion \(shell) failed: \(result.stderr)") }
            let file = sandbox.directory.url.appendingPathComponent("completion/\(shell == .zsh ? "_ame" : "ame.\(shell)")")
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(result.stdout.utf8).write(to: file)
            scripts[shell] = file
        }
        self.scripts = scripts
    }

    static func waitUntilFinished(_ sandbox: AMESandbox, _ id: String) async throws {
        let deadline = ContinuousClock.now + .seconds(300)
        while ContinuousClock.now < deadline {
            let status = try await sandbox.ame(["status", id, "--json"])
            if let object = try? JSONSerialization.jsonObject(with: status.stdoutData) as? [String: Any],
               let state = object["status"] as? String, ["succeeded", "failed", "cancelled", "lost"].contains(state) {
                return
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw Failure("run \(id) did not finish")
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    // MARK: Asking a shell

    /// A candidate as the shell offers it; `display` is what zsh and fish show beside it.
    struct Candidate: Sendable, Equatable {
        var value: String
        var display: String
    }

    /// The candidates `shell` offers for `line` (the cursor at its end), through the
    /// shell's own completion entry point: bash's COMPREPLY from the registered function,
    /// zsh's completion system in a pseudo-terminal, fish's `complete -C`.
    func candidates(_ shell: Shell, _ line: String, in directory: URL? = nil) async throws -> [Candidate] {
        let script = scripts[shell]!.path
        let drivers = Fixtures.repositoryRoot.appendingPathComponent("Tests/CompletionTests/Drivers")
        let result: ProcessResult
        switch shell {
        case .bash:
            var words = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            if line.hasSuffix(" ") { words.append("") }
            result = try await sandbox.program("/bin/bash", ["--norc", "--noprofile", drivers.appendingPathComponent("complete-bash.sh").path, script] + words,
                                               in: directory ?? quickstart, timeout: .seconds(120))
            return result.stdout.split(separator: "\n").map { Candidate(value: String($0), display: "") }
        case .zsh:
            let output = sandbox.directory.url.appendingPathComponent("zsh-\(UUID().uuidString.prefix(8)).out")
            result = try await sandbox.program("/usr/bin/zsh", ["-f", drivers.appendingPathComponent("complete-zsh.zsh").path, script, output.path, line],
                                               in: directory ?? quickstart, timeout: .seconds(120))
            guard result.exitCode == 0 else { throw Failure("zsh driver failed (\(result.exitCode)): \(result.stderr)") }
            let text = try String(contentsOf: output, encoding: .utf8)
            try? FileManager.default.removeItem(at: output)
            return text.split(separator: "\n").filter { $0 != "##done" }.map { entry in
                let parts = entry.split(separator: "\t", maxSplits: 1, omittingEmptySubsequences: false)
                return Candidate(value: String(parts[0]), display: parts.count > 1 ? String(parts[1]) : "")
            }
        case .fish:
            result = try await sandbox.program("/usr/bin/fish", ["--no-config", "-c", "source $AME_TEST_SCRIPT; complete -C $AME_TEST_LINE"],
                                               in: directory ?? quickstart,
                                               environment: ["AME_TEST_SCRIPT": script, "AME_TEST_LINE": line], timeout: .seconds(120))
            return result.stdout.split(separator: "\n").map { entry in
                let parts = entry.split(separator: "\t", maxSplits: 1, omittingEmptySubsequences: false)
                return Candidate(value: String(parts[0]), display: parts.count > 1 ? String(parts[1]) : "")
            }
        }
    }

    func values(_ shell: Shell, _ line: String, in directory: URL? = nil) async throws -> [String] {
        try await candidates(shell, line, in: directory).map(\.value)
    }

    // MARK: Driving a shell through tmux

    /// Starts `shell` in a tmux session with the completion script loaded, types `keys`
    /// (tmux key names: "Tab", literal text otherwise) and returns the screen once it
    /// contains `expected` (or after the time is up).
    func typeInTmux(_ shell: Shell, _ keys: [String], expecting expected: String) async throws -> String {
        let socket = "ame-completion-\(getpid())-\(UUID().uuidString.prefix(6))"
        let script = scripts[shell]!.path
        let ready = "ready-\(UUID().uuidString.prefix(6))"
        let start: String
        let setup: String
        switch shell {
        case .bash:
            start = "env PS1='$ ' bash --norc --noprofile"
            setup = "source \(script); bind 'set bell-style none'; echo \(ready)"
        case .zsh:
            start = "env PS1='%% ' zsh -f"
            setup = "autoload -Uz compinit; compinit -u -D; source \(script); unsetopt beep; echo \(ready)"
        case .fish:
            start = "fish --no-config"
            setup = "set -g fish_autosuggestion_enabled 0; function fish_prompt; echo '> '; end; source \(script); echo \(ready)"
        }
        func tmux(_ arguments: [String]) async throws -> ProcessResult {
            try await sandbox.program("/usr/bin/tmux", ["-L", socket] + arguments, in: quickstart, timeout: .seconds(60))
        }
        defer {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/tmux")
            process.arguments = ["-L", socket, "kill-server"]
            try? process.run()
            process.waitUntilExit()
        }
        _ = try await tmux(["-f", "/dev/null", "new-session", "-d", "-x", "160", "-y", "40", start])
        _ = try await tmux(["send-keys", "-l", setup])
        _ = try await tmux(["send-keys", "Enter"])
        _ = try await waitForScreen(tmux, containing: ready, lines: { $0.filter { $0 == ready } })
        _ = try await tmux(["send-keys", "C-l"])
        for key in keys {
            if key == "Tab" {
                _ = try await tmux(["send-keys", "Tab"])
                // Completion runs `ame`; give it time before the next key on a loaded machine.
                try await Task.sleep(for: .milliseconds(300))
                _ = try await waitForIdleScreen(tmux)
            } else {
                _ = try await tmux(["send-keys", "-l", key])
            }
        }
        return try await waitForScreen(tmux, containing: expected, lines: { $0 }).joined(separator: "\n")
    }

    private func screen(_ tmux: ([String]) async throws -> ProcessResult) async throws -> [String] {
        try await tmux(["capture-pane", "-p"]).stdout.split(separator: "\n", omittingEmptySubsequences: false)
            .map { String($0).trimmingCharacters(in: .whitespaces) }
    }

    private func waitForScreen(_ tmux: ([String]) async throws -> ProcessResult, containing text: String,
                               lines select: ([String]) -> [String]) async throws -> [String] {
        let deadline = ContinuousClock.now + .seconds(60)
        var lines: [String] = []
        while ContinuousClock.now < deadline {
            lines = try await screen(tmux)
            if !select(lines).isEmpty, lines.contains(where: { $0.contains(text) }) { return lines }
            try await Task.sleep(for: .milliseconds(100))
        }
        return lines
    }

    /// Waits until the screen stops changing (the completion has been drawn).
    private func waitForIdleScreen(_ tmux: ([String]) async throws -> ProcessResult) async throws -> [String] {
        let deadline = ContinuousClock.now + .seconds(30)
        var previous = try await screen(tmux)
        while ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(250))
            let current = try await screen(tmux)
            if current == previous { return current }
            previous = current
        }
        return previous
    }

    // MARK: The fixture plugin

    /// `ame plugin install` of the Swift example plugin `ame-hello` (built beside `ame`).
    func installHello() async throws {
        let result = try await sandbox.ame(["plugin", "install", Fixtures.productsDirectory.appendingPathComponent("ame-hello").path])
        guard result.exitCode == 0 else { throw Failure("ame plugin install failed: \(result.stderr)") }
    }

    func removeHello() async throws {
        let result = try await sandbox.ame(["plugin", "remove", "hello"])
        guard result.exitCode == 0 else { throw Failure("ame plugin remove failed: \(result.stderr)") }
    }
}
