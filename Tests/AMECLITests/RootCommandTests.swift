@testable import AMECLI
import AMESystem
import AMETestSupport
import ArgumentParser
import Foundation
import Testing

@Suite("ame itself: version, help and unknown commands")
struct RootCommandTests {
    @Test("--version and 'version' say the version, commit, build date and Swift version (a test build is unstamped)")
    func version() async throws {
        let project = try Project()
        for arguments in [["--version"], ["version"]] {
            let result = await project.run(arguments)
            #expect(result.status == 0)
            let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            #expect(lines.count == 5, "\(result.stdout)")
            #expect(lines.first == "ame \(BuildInfo.version)")
            #expect(lines.dropFirst().first?.hasPrefix("commit: unknown (a development build") == true, "\(lines)")
            #expect(lines.dropFirst(2).first == "built: unknown")
            #expect(lines.dropFirst(3).first?.hasPrefix("swift: 6.") == true, "\(lines)")
            #expect(result.stderr.isEmpty)
        }
    }

    @Test("'version --json' and '--version --json' print one JSON object for scripts")
    func versionJSON() async throws {
        let project = try Project()
        for arguments in [["version", "--json"], ["--version", "--json"]] {
            let result = await project.run(arguments)
            #expect(result.status == 0)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            #expect(object["program"] as? String == "ame")
            #expect(object["version"] as? String == BuildInfo.version)
            #expect(object["commit"] is NSNull && object["buildDate"] is NSNull, "\(object)")
            #expect((object["swiftVersion"] as? String)?.hasPrefix("6.") == true)
        }
        let help = await project.run(["version", "--help"])
        #expect(help.status == 0 && help.stdout.contains("--json"), "\(help.stdout)")
        let wrong = await project.run(["version", "--yaml"])
        #expect(wrong.status == 64 || wrong.status == 2, "\(wrong.status)")
        #expect(wrong.stderr.contains("--yaml"), "\(wrong.stderr)")
    }

    @Test("the names plugins may not take are exactly the built-ins' names, 'agent' and 'help'")
    func builtinNames() {
        let fromCommands = RootCommand.builtinCommands.map { $0._commandName } + ["help"]
        #expect(RootCommand.builtinNames.filter { $0 != "agent" } == fromCommands)
        #expect(RootCommand.builtinNames.contains("agent"))
    }

    @Test func help() async throws {
        let project = try Project()
        let result = await project.run(["--help"])
        #expect(result.status == 0)
        for command in ["create", "validate", "tasks"] {
            #expect(result.stdout.contains(command))
        }
    }

    @Test("an unknown command suggests the closest one and exits 2")
    func unknownCommand() async throws {
        let project = try Project()
        let result = await project.run(["tsaks"])
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr == "error: unknown command 'tsaks'\n  hint: did you mean 'tasks'?\n")
    }

    @Test("an unknown command with no likely meaning points at help")
    func unknownCommandWithoutSuggestion() async throws {
        let project = try Project()
        let result = await project.run(["deploy-everything"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("unknown command 'deploy-everything'"))
        #expect(result.stderr.contains("ame help"))
    }

    @Test("help for a command that does not exist is an error with a did-you-mean, exit 64")
    func helpForAnUnknownCommand() async throws {
        let project = try Project()
        let unknown = await project.run(["help", "nosuch"])
        #expect(unknown.status == 64)
        #expect(unknown.stdout.isEmpty, "\(unknown.stdout)")
        #expect(unknown.stderr.hasPrefix("error: unknown command 'nosuch'\n"), "\(unknown.stderr)")
        #expect(unknown.stderr.contains("hint: "))
        let typo = await project.run(["help", "rnu"])
        #expect(typo.status == 64)
        #expect(typo.stderr.contains("did you mean 'ame help run'?"), "\(typo.stderr)")
    }

    @Test("an unknown flag is a usage error")
    func unknownFlag() async throws {
        let project = try Project()
        let result = await project.run(["validate", "--strict"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("--strict"))
    }
}
