@testable import AMEAgent
import AMEEngine
import Testing

/// `ame agent run` reads the launcher's command line without ArgumentParser; the layout is
/// written in one place (`AgentProcessLauncher.arguments`), and this checks the two agree.
@Suite("ame agent run: the launcher's arguments")
struct AgentArgumentsTests {
    @Test(arguments: [nil, "/etc/ame/engine.yaml"], [nil, true, false])
    func whatTheLauncherWritesIsReadBack(config: String?, sandbox: Bool?) throws {
        let written = AgentProcessLauncher.arguments(runID: "r1m8f0wrg2y114", dataDirectory: "/data dir/ame",
                                                     cacheDirectory: "/cache/ame", engineConfigPath: config, sandbox: sandbox)
        let read = try #require(RunAgentCommand.launcherArguments(written))
        #expect(read == RunAgentCommand.LauncherArguments(runID: "r1m8f0wrg2y114", data: "/data dir/ame", cache: "/cache/ame",
                                                          config: config, sandbox: sandbox))
    }

    @Test(arguments: [
        ["agent", "run", "r1", "--cache-dir", "/c", "--data-dir", "/d"],
        ["agent", "run", "--help"],
        ["agent", "run", "r1", "--data-dir", "/d", "--cache-dir", "/c", "--verbose", "x"],
        ["agent", "exec", "r1", "--data-dir", "/d", "--cache-dir", "/c"],
        ["agent", "run", "r1", "--data-dir", "/d", "--cache-dir", "/c", "--sandbox", "maybe"],
        ["agent", "run", "r1", "--data-dir", "/d", "--cache-dir", "/c", "--sandbox", "on", "--engine-config", "/e"],
    ])
    func anythingElseGoesThroughTheParser(arguments: [String]) {
        #expect(RunAgentCommand.launcherArguments(arguments) == nil)
    }
}
