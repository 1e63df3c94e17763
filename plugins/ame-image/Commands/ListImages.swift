import AMEPluginKit
import ArgumentParser
import Foundation

/// `ame image ls`: the tags of the project's image repository, as its registry lists them,
/// with the tasks that use each.
struct ListImages: AMEPluginCommand {
    static let configuration = CommandConfiguration(
        commandName: "ls",
        abstract: "List the tags of the project's image repository in its registry.")

    @Argument(help: ArgumentHelp("The repository (default: the project's, from its Containerfile or its last push).", valueName: "repository"))
    var repository: String?

    @Option(name: .long, help: ArgumentHelp("The Containerfile naming the repository, relative to the project.", valueName: "path"), completion: .file())
    var file = Containerfile.defaultName

    @Flag(name: .long, help: "Reach the registry over plain HTTP or without verifying TLS (loopback registries always are).")
    var insecure = false

    @Flag(help: "Print the result as JSON on stdout (messages stay on stderr).")
    var json = false

    func run(host: AMEHost) async throws -> PluginOutcome {
        host.printsJSON = json
        let environment = ProcessInfo.processInfo.environment
        let project = try? await ProjectSnapshot.load(host)
        var text = repository
        if text == nil, let project {
            let containerfile = project.directory.appendingPathComponent(file)
            text = FileManager.default.contents(atPath: containerfile.path).flatMap { Containerfile.repository(in: String(decoding: $0, as: UTF8.self)) }
                ?? environment["AME_IMAGE_REPOSITORY"].flatMap { $0.isEmpty ? nil : $0 }
                ?? PluginState.load(environment: environment).projects[project.directory.path]?.lastPush
        }
        guard let text else {
            throw PluginFailure("which repository? This project names none",
                                hint: "pass it: 'ame image ls REGISTRY/NAME', or remember it with 'ame image init --repository REGISTRY/NAME'", exitCode: 64)
        }
        let name = try ImageName.argument(text, what: "the repository:")
        let listing = try await host.registryTags(name.repository, insecure: insecure ? true : nil)
        let tags = listing.tags.sorted()
        let repositoryName = name.repository
        if tags.isEmpty {
            host.print("\(repositoryName): no tags")
        } else {
            host.print(repositoryName)
            let width = max(3, tags.map(\.count).max() ?? 3)
            host.print("TAG".padding(toLength: width, withPad: " ", startingAt: 0) + "  USED BY")
            for tag in tags {
                let users = project?.users(of: "\(repositoryName):\(tag)") ?? []
                let line = tag.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + users.joined(separator: ", ")
                host.print(line.trimmingCharacters(in: .whitespaces))
            }
        }
        return PluginOutcome(exitCode: 0, data: ["repository": .string(repositoryName), "registry": .string(listing.registry),
                                                 "tags": .array(tags.map(JSONValue.string))])
    }
}
