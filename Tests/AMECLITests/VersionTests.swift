import AMETestSupport
import Testing

@Suite("ame --version and unknown commands")
struct VersionTests {
    @Test func printsVersion() async throws {
        let dir = try TemporaryDirectory()
        let result = await CLIHarness.run(["--version"], in: dir.url)
        #expect(result.status == 0)
        #expect(result.stdout == "ame 0.1.0\n")
    }
}
