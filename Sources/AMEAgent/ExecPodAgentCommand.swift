import AMECLI
import AMECore
import AMEKubernetes
import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `ame agent exec -- COMMAND`: the main container of a step's Pod (see `PodTranslator`).
/// Prepares Python, runs the command, uploads what it produced and reports how it ended in
/// the termination message; exits with the command's exit code.
struct ExecPodAgentCommand: AMECommand {
    static let configuration = CommandConfiguration(commandName: "exec", abstract: "Run a step inside its Pod.")

    @Option(name: .customLong("agent-dir"), help: ArgumentHelp("The folder the init container prepared.", valueName: "dir"))
    var agentDirectory = "/ame"

    @Option(help: ArgumentHelp("The project's files; the command runs here.", valueName: "dir"))
    var workspace = "/workspace"

    @Option(help: ArgumentHelp("Where to write the result (the container's terminationMessagePath).", valueName: "file"))
    var result = "/ame/termination-log"

    @Option(help: ArgumentHelp("The task's Python version.", valueName: "version"))
    var python: String?

    @Option(help: ArgumentHelp("How the Python environment is built.", valueName: "manager"))
    var dependencies: String?

    @Option(help: ArgumentHelp("What installs a pip project's packages (uv or pip).", valueName: "installer"))
    var installer: String?

    @Option(name: .customLong("extra-package"), help: ArgumentHelp("A requirement to install after the project's own (repeatable).", valueName: "requirement"))
    var extraPackages: [String] = []

    @Option(name: .customLong("cache-dir"), help: ArgumentHelp("Python environments and tools (default: $XDG_CACHE_HOME/ame, else AGENT-DIR/cache).", valueName: "dir"))
    var cacheDirectory: String?

    @Argument(parsing: .postTerminator, help: "The command, run with /bin/sh -c.")
    var command: [String] = []

    func run(context: CommandContext) async throws {
        guard !command.isEmpty else { throw CLIError("no command to run", hint: "ame agent exec [options] -- COMMAND") }
        var manager: DependencyManager?
        if let dependencies {
            guard let parsed = DependencyManager(rawValue: dependencies) else {
                throw CLIError("unknown dependency manager '\(dependencies)'", hint: DependencyManager.allCases.map(\.rawValue).joined(separator: ", "))
            }
            manager = parsed
        }
        var packageInstaller: PackageInstaller?
        if let installer {
            guard let parsed = PackageInstaller(rawValue: installer) else {
                throw CLIError("unknown installer '\(installer)'", hint: PackageInstaller.allCases.map(\.rawValue).joined(separator: ", "))
            }
            packageInstaller = parsed
        }
        let cache = cacheDirectory.map(context.resolve)
            ?? context.environment["XDG_CACHE_HOME"].flatMap { $0.hasPrefix("/") ? URL(fileURLWithPath: $0).appendingPathComponent("ame") : nil }
            ?? context.resolve(agentDirectory).appendingPathComponent("cache")
        let agent = PodAgentExec(api: try context.jobsAPI(), agentDirectory: context.resolve(agentDirectory), workspace: context.resolve(workspace),
                                 resultFile: context.resolve(result), python: python, dependencies: manager, installer: packageInstaller,
                                 extraPackages: extraPackages,
                                 command: command.joined(separator: " "), environment: context.environment,
                                 cacheDirectory: cache) { data in
            context.terminal.out(String(decoding: data, as: UTF8.self))
        }
        // SIGTERM (the Pod is deleted or hits its deadline) reaches the command; the agent
        // stays to upload what the command wrote before Kubernetes' SIGKILL.
        let terminate = CancelHandle()
        signal(SIGTERM, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGTERM, queue: .global())
        source.setEventHandler { terminate.fire() }
        source.resume()
        let exitCode = await agent.run(terminate: terminate)
        source.cancel()
        if exitCode != 0 { throw ExitStatus(exitCode) }
    }
}
