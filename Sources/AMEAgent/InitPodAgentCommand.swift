import AMECLI
import AMECore
import AMEKubernetes
import ArgumentParser
import Foundation

/// `ame agent init`: the init container of a step's Pod (see `PodTranslator`). Copies this
/// binary into the shared folder and fetches the step's files with the run's token
/// (`AME_SERVER`, `AME_TOKEN`).
struct InitPodAgentCommand: AMECommand {
    static let configuration = CommandConfiguration(commandName: "init", abstract: "Prepare a step's Pod: the agent and the project's files.")

    @Option(help: ArgumentHelp("The digest of the manifest of the files the step starts from.", valueName: "sha256:…"))
    var manifest: String

    @Option(name: .customLong("agent-dir"), help: ArgumentHelp("The folder shared with the step's container.", valueName: "dir"))
    var agentDirectory = "/ame"

    @Option(help: ArgumentHelp("Where the project's files go.", valueName: "dir"))
    var workspace = "/workspace"

    func run(context: CommandContext) async throws {
        let text = manifest.hasPrefix("sha256:") ? String(manifest.dropFirst(7)) : manifest
        guard let digest = Digest(hex: text) else {
            throw CLIError("'\(manifest)' is not a SHA-256 digest", hint: "the Pod spec passes --manifest sha256:<64 hex digits>")
        }
        let agent = PodAgentInit(api: try context.jobsAPI(), agentDirectory: context.resolve(agentDirectory),
                                 workspace: context.resolve(workspace), executable: context.executablePath) { line in
            context.terminal.out(line)
        }
        do {
            try await agent.run(manifest: digest)
        } catch {
            throw CLIError("could not prepare the step: \(error)", hint: "the server must be reachable at AME_SERVER with the run's token")
        }
    }
}
