@testable import AMECLI
import AMETestSupport
import ArgumentParser
import Testing

@Suite("ame itself: version, help and unknown commands")
struct RootCommandTests {
    @Test func version() async throws {
        let project = try Project()
        let result = await project.run(["--version"])
        #expect(result.status == 0)
        #expect(result.stdout == "ame 0.1.0\n")
        #expect(result.stderr.isEmpty)
    }

    @Test("the names plugins may not take are exactly the built-ins' names and 'help'")
    func builtinNames() {
        let fromCommands = RootCommand.builtinCommands.map { $0._commandName } + ["help"]
        #expect(RootCommand.builtinNames == fromCommands)
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
