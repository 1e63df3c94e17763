@testable import AMECLI
import AMEEngine
import Testing

/// `ame agent run` reads the launcher's command line without ArgumentParser; the layout is
/// written in one place (`AgentProcessLauncher.arguments`), and this checks the two agree.
@Suite("ame agent run: the launcher's arguments")
struct AgentArgumentsTests {
    @Test(arguments: [nil, "/etc/ame/engine.yaml"])
    func whatTheLauncherWritesIsReadBack(config: String?) throws {
        let written = AgentProcessLauncher.arguments(runID: "r1m8f0wrg2y114", dataDirectory: "/data dir/ame",
                                                     cacheDirectory: "/cache/ame", engineConfigPath: config)
        let read = try #require(RunAgentCommand.launcherArguments(written))
        #expect(read.runID == "r1m8f0wrg2y114")
        #expect(read.data == "/data dir/ame")
        #expect(read.cache == "/cache/ame")
        #expect(read.config == config)
    }

    @Test(arguments: [
        ["agent", "run", "r1", "--cache-dir", "/c", "--data-dir", "/d"],
        ["agent", "run", "--help"],
        ["agent", "run", "r1", "--data-dir", "/d", "--cache-dir", "/c", "--verbose", "x"],
        ["agent", "exec", "r1", "--data-dir", "/d", "--cache-dir", "/c"],
    ])
    func anythingElseGoesThroughTheParser(arguments: [String]) {
        #expect(RunAgentCommand.launcherArguments(arguments) == nil)
    }
}
