import AMETestSupport
import Foundation
import Testing

/// Completion in real bash, zsh and fish, through each shell's own completion entry point
/// (and, for the keystroke itself, through tmux): built-in commands, the project's tasks,
/// run ids, and a plugin from the moment it is installed until it is removed.
@Suite("Shell completion in bash, zsh and fish", .serialized)
struct ShellCompletionTests {
    typealias Shell = ShellSandbox.Shell

    @Test("ame ru<Tab> completes run", arguments: Shell.allCases)
    func commandName(_ shell: Shell) async throws {
        let machine = try await ShellSandbox.shared()
        let values = try await machine.values(shell, "ame ru")
        #expect(values.contains("run"), "\(shell) offered \(values)")
        #expect(values.allSatisfy { $0.hasPrefix("run") }, "\(shell) offered \(values): Tab would not complete 'run'")
    }

    @Test("ame run<Tab>, a whole name that begins another, offers both run and runs", arguments: Shell.allCases)
    func commandNameThatPrefixesAnother(_ shell: Shell) async throws {
        let machine = try await ShellSandbox.shared()
        for line in ["ame ru", "ame run"] {
            let values = try await machine.values(shell, line)
            #expect(values.contains("run") && values.contains("runs"), "\(shell) offered \(values) for '\(line)'")
        }
    }

    @Test("ame ru<Tab> typed in a terminal becomes 'ame run'", arguments: Shell.allCases)
    func keystroke(_ shell: Shell) async throws {
        let machine = try await ShellSandbox.shared()
        // 'run' and 'runs' share 'run': Tab inserts it; the X typed after shows where it stopped.
        let screen = try await machine.typeInTmux(shell, ["ame ru", "Tab", "X"], expecting: "ame runX")
        #expect(screen.contains("ame runX"), "\(shell) screen:\n\(screen)")
        let task = try await machine.typeInTmux(shell, ["ame run tr", "Tab", "X"], expecting: "ame run train X")
        #expect(task.contains("ame run train X"), "\(shell) screen:\n\(task)")
    }

    @Test("ame run <Tab> offers the project's tasks", arguments: Shell.allCases)
    func tasks(_ shell: Shell) async throws {
        let machine = try await ShellSandbox.shared()
        let candidates = try await machine.candidates(shell, "ame run ")
        #expect(Set(candidates.map(\.value)) == ["train", "pipeline"], "\(shell) offered \(candidates)")
        if shell != .bash {
            // zsh and fish show what each task runs.
            let pipeline = try #require(candidates.first { $0.value == "pipeline" })
            #expect(pipeline.display.contains("prepare"), "\(shell) shows \(pipeline.display)")
        }
        // --dir names another project.
        let elsewhere = try await machine.values(shell, "ame run --dir \(machine.quickstart.path) ", in: machine.sandbox.directory.url)
        #expect(Set(elsewhere) == ["train", "pipeline"], "\(shell) offered \(elsewhere) with --dir")
    }

    @Test("ame logs <Tab> offers run ids, newest first, with their status", arguments: Shell.allCases)
    func runIDs(_ shell: Shell) async throws {
        let machine = try await ShellSandbox.shared()
        let candidates = try await machine.candidates(shell, "ame logs ")
        #expect(Set(candidates.map(\.value)) == Set(machine.runIDs), "\(shell) offered \(candidates), runs are \(machine.runIDs)")
        if shell != .bash {
            #expect(candidates.map(\.value) == machine.runIDs, "\(shell) order")
            #expect(candidates.allSatisfy { $0.display.contains("succeeded") }, "\(shell) shows \(candidates.map(\.display))")
        }
        let prefix = String(machine.runIDs[0].prefix(machine.runIDs[0].count - 1))
        let narrowed = try await machine.values(shell, "ame status \(prefix)")
        #expect(narrowed.contains(machine.runIDs[0]), "\(shell) offered \(narrowed) for \(prefix)")
    }

    @Test("a plugin completes from the moment it is installed until it is removed", arguments: Shell.allCases)
    func pluginLifecycle(_ shell: Shell) async throws {
        let machine = try await ShellSandbox.shared()
        #expect(try await !machine.values(shell, "ame hel").contains("hello"), "\(shell): hello before it is installed")
        #expect(try await machine.values(shell, "ame hello ").isEmpty, "\(shell): 'ame hello ' before it is installed")

        try await machine.installHello()
        let names = try await machine.values(shell, "ame hel")
        #expect(names.contains("hello"), "\(shell) offered \(names) once hello is installed")
        let commands = try await machine.values(shell, "ame hello ")
        #expect(Set(commands) == ["greet", "project", "submit", "fail"], "\(shell) offered \(commands)")
        let options = try await machine.values(shell, "ame hello greet --")
        #expect(options.contains("--name") && options.contains("--shout"), "\(shell) offered \(options)")
        let tasks = try await machine.values(shell, "ame hello submit ")
        #expect(Set(tasks) == ["train", "pipeline"], "\(shell) offered \(tasks) for a task argument")
        let screen = try await machine.typeInTmux(shell, ["ame hello gr", "Tab", "X"], expecting: "ame hello greet X")
        #expect(screen.contains("ame hello greet X"), "\(shell) screen:\n\(screen)")

        try await machine.removeHello()
        #expect(try await !machine.values(shell, "ame hel").contains("hello"), "\(shell): hello after it is removed")
        #expect(try await machine.values(shell, "ame hello ").isEmpty, "\(shell): 'ame hello ' after it is removed")
    }
}
