import AMEPluginKit
import ArgumentParser
import Foundation
import Testing

/// A command tree as a Swift plugin would write it.
private struct Tool: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tool", abstract: "A tool for tests.", subcommands: [Build.self, Cache.self])

    @Flag(help: "Say more.") var verbose = false
}

private struct Build: AMEPluginCommand {
    static let configuration = CommandConfiguration(commandName: "build", abstract: "Build things.")

    @Option(name: .shortAndLong, help: "How hard.", completion: .list(["low", "high"])) var level: String?
    @Flag(help: "Skip checks.") var fast = false
    @Argument(help: "The task.", completion: AMECompletion.task) var task: String
    @Argument(help: "Inputs.", completion: .file(extensions: ["yaml"])) var inputs: [String] = []

    func run(host: AMEHost) async throws -> PluginOutcome { 0 }
}

private struct Cache: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cache", abstract: "Manage the cache.", subcommands: [Clear.self])
}

private struct Clear: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "clear", abstract: "Clear it.")
    @Option(help: "Only this run.", completion: AMECompletion.run) var run: String?
}

@Suite("AMEPluginKit: describe documents from ParsableCommand trees")
struct DescribeTests {
    @Test("the tree, options, arguments and completion kinds come from ArgumentParser; its own help does not")
    func describe() throws {
        let description = try DescriptionBuilder.describe(Tool.self, about: PluginAbout(version: "2.1.0", vendor: "Tests"))
        #expect(description.name == "tool")
        #expect(description.shortDescription == "A tool for tests.")
        #expect(description.protocol == PluginProtocol.supported)
        #expect(description.options == [OptionDescription(names: ["--verbose"], help: "Say more.", takesValue: false)])
        #expect(description.commands.map(\.name) == ["build", "cache"])

        let build = try #require(description.commands.first)
        #expect(build.options == [
            OptionDescription(names: ["--level", "-l"], help: "How hard.", takesValue: true, valueName: "level",
                              completion: CompletionDescription(kind: .values, values: ["low", "high"])),
            OptionDescription(names: ["--fast"], help: "Skip checks.", takesValue: false),
        ])
        #expect(build.arguments == [
            ArgumentDescription(name: "task", help: "The task.", completion: CompletionDescription(kind: .task)),
            ArgumentDescription(name: "inputs", help: "Inputs.", optional: true, repeating: true,
                                completion: CompletionDescription(kind: .file, extensions: ["yaml"])),
        ])
        let clear = try #require(description.commands.last?.commands?.first)
        #expect(clear.name == "clear")
        #expect(clear.options?.first?.completion == CompletionDescription(kind: .run))
        #expect(description.problem(expectedName: "tool") == nil)
    }

    @Test("the document survives JSON and is checked against the file name and protocol")
    func problems() throws {
        var description = try DescriptionBuilder.describe(Tool.self, about: PluginAbout(version: "1.0.0", vendor: "Tests"))
        let data = try JSONCoding.encoder.encode(description)
        #expect(try JSONCoding.decoder.decode(PluginDescription.self, from: data) == description)
        #expect(description.problem(expectedName: "tools") == "it calls itself 'tool' but its file is named ame-tools")
        description.protocol = ProtocolRange(min: 2, max: 4)
        #expect(description.problem(expectedName: "tool") == "it speaks protocol 2–4 and this AME speaks 1")
        #expect(PluginDescription.isValidName("my-plugin2"))
        #expect(!PluginDescription.isValidName("My-plugin"))
        #expect(!PluginDescription.isValidName("2fast"))
        #expect(!PluginDescription.isValidName("a.b"))
    }
}
