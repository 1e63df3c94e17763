@testable import AMECLI
import AMECore
import AMESystem
import AMETestSupport
import Foundation
import Testing

/// `ame whoami` shows the server's version and warns when it differs from this ame's in a
/// way that matters (major or minor), through a jobs API that answers whoami only.
@Suite("whoami: the server's version")
struct WhoamiVersionTests {
    struct WhoamiOnly: JobsAPI {
        var identity: Identity
        func whoami() async throws -> Identity { identity }
        func missingBlobs(_ digests: [Digest]) async throws -> [Digest] { throw unused }
        func uploadBlob(_ digest: Digest, from file: URL) async throws { throw unused }
        func downloadBlob(_ digest: Digest, to file: URL) async throws { throw unused }
        func submitRun(_ request: RunRequest) async throws -> RunRecord { throw unused }
        func listRuns(_ query: RunQuery) async throws -> RunPage { throw unused }
        func getRun(_ id: String) async throws -> RunRecord { throw unused }
        func cancelRun(_ id: String) async throws -> RunRecord { throw unused }
        func logs(_ id: String, from offset: Int64, follow: Bool) -> AsyncThrowingStream<LogEvent, any Error> {
            AsyncThrowingStream { $0.finish(throwing: unused) }
        }
        func artifacts(_ id: String) async throws -> [ArtifactRecord] { throw unused }
        func setSecret(_ name: String, value: Data) async throws { throw unused }
        func listSecrets() async throws -> [SecretInfo] { throw unused }
        func deleteSecret(_ name: String) async throws { throw unused }
        var unused: APIError { APIError(.internal, "not used by whoami") }
    }

    func whoami(serverVersion: String?, json: Bool = false) async throws -> (status: Int32, stdout: String, stderr: String) {
        let directory = try TemporaryDirectory(prefix: "whoami")
        let api = WhoamiOnly(identity: Identity(user: "alice", admin: false, server: "https://ame.example", version: serverVersion))
        let terminal = TestTerminal()
        let context = CommandContext(terminal: terminal, environment: ["HOME": directory.url.path, "NO_COLOR": "1"],
                                     workingDirectory: directory.url, executablePath: Fixtures.ameBinary.path,
                                     connector: JobsAPIConnector { _, _ in api })
        let status = await AMEMain.run(arguments: json ? ["whoami", "--json"] : ["whoami"], context: context)
        return (status, terminal.stdout, terminal.stderr)
    }

    @Test("the same version: shown, no warning")
    func sameVersion() async throws {
        let result = try await whoami(serverVersion: BuildInfo.version)
        #expect(result.status == 0)
        #expect(result.stdout == "alice on https://ame.example (ame-server \(BuildInfo.version))\n")
        #expect(result.stderr.isEmpty)
    }

    @Test("another minor version: a warning on stderr with a hint, the answer unchanged (also with --json)")
    func otherMinorVersion() async throws {
        let series = VersionSkew.series(BuildInfo.version)
        let other = "\(series[0]).\(series[1] + 1).0"
        for json in [false, true] {
            let result = try await whoami(serverVersion: other, json: json)
            #expect(result.status == 0)
            #expect(result.stderr == """
                warning: this ame is \(BuildInfo.version) but ame-server at https://ame.example is \(other); commands may fail or be misunderstood
                  hint: install the same version of both (the server is the newer one): scripts/install, or the ame .deb

                """, "\(result.stderr)")
            #expect(result.stdout.contains(json ? "\"version\" : \"\(other)\"" : "(ame-server \(other))"), "\(result.stdout)")
        }
    }

    @Test("a server too old to say its version: no warning")
    func unknownVersion() async throws {
        let result = try await whoami(serverVersion: nil)
        #expect(result.stdout == "alice on https://ame.example (ame-server of unknown version)\n")
        #expect(result.stderr.isEmpty)
    }
}
