import AMECore
@testable import AMEEngine
import AMES3
import AMETestSupport
import Foundation
import Testing

/// The engine's side of data sources: the secret format, where settings come from, and
/// fetching through the ETag cache (with the real S3 client against moto).
@Suite("Data inputs", .timeLimit(.minutes(10)))
struct DataInputsTests {
    // MARK: The secret format

    @Test("a storage secret as KEY=VALUE lines: export, quotes, comments and [profile] headers are fine")
    func envLines() throws {
        let secret = try StorageSecret.parse(Data("""
            # credentials for the team bucket
            [default]
            export AWS_ACCESS_KEY_ID="AKIAEXAMPLE"
            aws_secret_access_key = 'abc/def+ghi'
            AWS_SESSION_TOKEN=tok
            AWS_REGION=eu-central-1
            AWS_ENDPOINT_URL=http://127.0.0.1:9000
            """.utf8), name: "s3")
        #expect(secret.credentials == ObjectStoreCredentials(accessKeyID: "AKIAEXAMPLE", secretAccessKey: "abc/def+ghi", sessionToken: "tok"))
        #expect(secret.region == "eu-central-1")
        #expect(secret.endpoint == "http://127.0.0.1:9000")
    }

    @Test("a storage secret as JSON, in AWS or camelCase spelling")
    func json() throws {
        let upper = try StorageSecret.parse(Data(#"{"AWS_ACCESS_KEY_ID": "A1", "AWS_SECRET_ACCESS_KEY": "S1"}"#.utf8), name: "s3")
        #expect(upper.credentials.accessKeyID == "A1" && upper.credentials.secretAccessKey == "S1" && upper.credentials.sessionToken == nil)
        let camel = try StorageSecret.parse(Data(#"{"accessKeyId": "A2", "secretAccessKey": "S2", "sessionToken": "T2", "endpoint": "https://r2"}"#.utf8), name: "s3")
        #expect(camel.credentials.sessionToken == "T2")
        #expect(camel.endpoint == "https://r2")
    }

    @Test("a secret without the keys: the error names what is missing and never shows the value")
    func missingKeys() {
        do {
            _ = try StorageSecret.parse(Data("AWS_ACCESS_KEY_ID=AKIAVISIBLE\nsomething-private".utf8), name: "team")
            Issue.record("no error")
        } catch {
            let text = "\(error)"
            #expect(text.contains("'team'"))
            #expect(text.contains("AWS_SECRET_ACCESS_KEY"))
            #expect(!text.contains("AKIAVISIBLE") && !text.contains("something-private"))
        }
    }

    // MARK: Where settings come from

    func engine(_ directory: TemporaryDirectory) throws -> Engine {
        try Engine(layout: EngineLayout(dataDirectory: directory.file("data"), cacheDirectory: directory.file("cache")),
                   configuration: EngineConfiguration.load(path: nil, environment: [:]))
    }

    @Test("credentials: the entry's secret, else the step's AWS_* secrets, else AME secrets named AWS_*, else the environment")
    func precedence() throws {
        let directory = try TemporaryDirectory(prefix: "ame-storage")
        let engine = try engine(directory)
        let environment = ["AWS_ACCESS_KEY_ID": "ENV-ID", "AWS_SECRET_ACCESS_KEY": "ENV-KEY", "AWS_ENDPOINT_URL": "http://env:1", "AWS_REGION": "env-region"]
        let resolver = StorageSettingsResolver(vault: engine.vault, owner: "me", baseEnvironment: environment)

        var connection = try resolver.connection(for: .init(), step: nil)
        #expect(connection.credentials?.accessKeyID == "ENV-ID")
        #expect(connection.endpoint?.absoluteString == "http://env:1")
        #expect(connection.region == "env-region")

        try engine.vault.set(owner: "me", name: "AWS_ACCESS_KEY_ID", value: Data("VAULT-ID".utf8))
        try engine.vault.set(owner: "me", name: "AWS_SECRET_ACCESS_KEY", value: Data("VAULT-KEY".utf8))
        connection = try resolver.connection(for: .init(), step: nil)
        #expect(connection.credentials?.accessKeyID == "VAULT-ID")

        try engine.vault.set(owner: "me", name: "id", value: Data("STEP-ID".utf8))
        try engine.vault.set(owner: "me", name: "key", value: Data("STEP-KEY".utf8))
        let step = TaskSpec(name: "train", runCommand: "true",
                            secrets: [SecretRef(name: "id", envKey: "AWS_ACCESS_KEY_ID"), SecretRef(name: "key", envKey: "AWS_SECRET_ACCESS_KEY")],
                            env: [EnvVar(key: "AWS_ENDPOINT_URL_S3", value: "http://step:2")])
        connection = try resolver.connection(for: .init(), step: step)
        #expect(connection.credentials?.accessKeyID == "STEP-ID")
        #expect(connection.endpoint?.absoluteString == "http://step:2")

        try engine.vault.set(owner: "me", name: "team", value: Data("AWS_ACCESS_KEY_ID=SECRET-ID\nAWS_SECRET_ACCESS_KEY=SECRET-KEY\nAWS_REGION=eu-west-3".utf8))
        connection = try resolver.connection(for: .init(secret: "team", endpoint: "http://entry:3", region: nil), step: step)
        #expect(connection.credentials?.accessKeyID == "SECRET-ID")
        #expect(connection.endpoint?.absoluteString == "http://entry:3")
        #expect(connection.region == "eu-west-3")
        #expect(connection.credentialSource == "the secret 'team'")
        #expect(connection.redact("key SECRET-ID and SECRET-KEY") == "key *** and ***")

        #expect(throws: (any Error).self) { try resolver.connection(for: .init(secret: "unset"), step: nil) }
        let bare = StorageSettingsResolver(vault: engine.vault, owner: "someone-else", baseEnvironment: [:])
        let anonymous = try bare.connection(for: .init(), step: nil)
        #expect(anonymous.credentials == nil)
        #expect(anonymous.endpoint == nil)
        #expect(anonymous.region == "us-east-1")
    }

    // MARK: Fetching through the cache

    struct Fixture {
        let directory: TemporaryDirectory
        let engine: Engine
        let s3: S3TestServer
        let bucket: String

        func inputs(run: String) throws -> (RunInputs, URL, StepLog) {
            let workspace = directory.file("workspaces/\(run)")
            try FileManager.default.createDirectory(at: workspace, withIntermediateDirectories: true)
            let resolver = StorageSettingsResolver(vault: engine.vault, owner: "me", baseEnvironment: [:])
            let inputs = RunInputs(provider: S3ObjectStoreProvider(), resolver: resolver, cache: DataCache(root: engine.layout.dataCache),
                                   workspace: workspace,
                                   placeholders: .init(run: run, task: "train", project: "demo", date: Date()))
            let log = StepLog(writer: try engine.logs.writer(for: run), step: "train")
            return (inputs, workspace, log)
        }

        func logText(_ run: String) throws -> String {
            try engine.logs.read(runID: run, from: 0).events.map(\.text).joined()
        }
    }

    func fixture() async throws -> Fixture {
        let directory = try TemporaryDirectory(prefix: "ame-inputs")
        let engine = try engine(directory)
        let s3 = try await S3TestServer.start()
        let bucket = S3TestServer.uniqueBucket("inputs")
        try await s3.tool(["create-bucket", bucket])
        try engine.vault.set(owner: "me", name: "s3", value: Data("AWS_ACCESS_KEY_ID=\(s3.accessKey)\nAWS_SECRET_ACCESS_KEY=\(s3.secretKey)\n".utf8))
        return Fixture(directory: directory, engine: engine, s3: s3, bucket: bucket)
    }

    @Test("a prefix lands with its relative key paths; the second fetch downloads nothing; a changed cached file is dropped")
    func cachedFetch() async throws {
        let f = try await fixture()
        try await f.s3.tool(["put", f.bucket, "sets/v1/train.csv", "a,b\n1,2\n"])
        try await f.s3.tool(["put", f.bucket, "sets/v1/nested/labels.txt", "cat\ndog\n"])
        try await f.s3.tool(["put", f.bucket, "sets/v10/other.csv", "not under v1/"])
        let step = TaskSpec(name: "train", runCommand: "true",
                            data: [DataSource(source: "s3://\(f.bucket)/sets/v1/", path: "data", secret: "s3", endpoint: f.s3.endpoint)])

        let (first, workspace, log) = try f.inputs(run: "run-1")
        try await first.fetch(for: step, log: log)
        #expect(try String(contentsOf: workspace.appendingPathComponent("data/train.csv"), encoding: .utf8) == "a,b\n1,2\n")
        #expect(try String(contentsOf: workspace.appendingPathComponent("data/nested/labels.txt"), encoding: .utf8) == "cat\ndog\n")
        #expect(!FileManager.default.fileExists(atPath: workspace.appendingPathComponent("data/other.csv").path))
        #expect(try f.s3.requests().filter(\.isGetObject).count == 2)
        #expect(await first.inputStamps.keys.sorted() == ["data/nested/labels.txt", "data/train.csv"])

        try await f.s3.reset()
        let (second, workspace2, log2) = try f.inputs(run: "run-2")
        try await second.fetch(for: step, log: log2)
        #expect(try String(contentsOf: workspace2.appendingPathComponent("data/train.csv"), encoding: .utf8) == "a,b\n1,2\n")
        #expect(try f.s3.requests().filter(\.isGetObject).isEmpty, "the second fetch downloaded again")
        #expect(try f.logText("run-2").contains("0 downloaded, 2 from the cache"))

        // The run rewrites an input in place (through the hard link): the cache forgets it.
        try Data("changed".utf8).write(to: workspace2.appendingPathComponent("data/train.csv"), options: [])
        await second.checkCache(log: log2)
        try await f.s3.reset()
        let (third, workspace3, log3) = try f.inputs(run: "run-3")
        try await third.fetch(for: step, log: log3)
        #expect(try String(contentsOf: workspace3.appendingPathComponent("data/train.csv"), encoding: .utf8) == "a,b\n1,2\n")
        #expect(try f.s3.requests().filter(\.isGetObject).count == 1)
    }

    @Test("a single key lands in the entry's folder under its own name; placeholders expand")
    func singleKey() async throws {
        let f = try await fixture()
        try await f.s3.tool(["put", f.bucket, "demo/weights.bin", "w"])
        let step = TaskSpec(name: "train", runCommand: "true",
                            data: [DataSource(source: "s3://\(f.bucket)/{project}/weights.bin", path: "models/", secret: "s3", endpoint: f.s3.endpoint)])
        let (inputs, workspace, log) = try f.inputs(run: "run-1")
        try await inputs.fetch(for: step, log: log)
        #expect(try String(contentsOf: workspace.appendingPathComponent("models/weights.bin"), encoding: .utf8) == "w")
    }

    @Test("nothing at the address, or a missing bucket: an error naming the bucket (and the code)")
    func nothingThere() async throws {
        let f = try await fixture()
        let (inputs, _, log) = try f.inputs(run: "run-1")
        let empty = TaskSpec(name: "train", runCommand: "true",
                             data: [DataSource(source: "s3://\(f.bucket)/nothing/", path: "data", secret: "s3", endpoint: f.s3.endpoint)])
        await #expect { try await inputs.fetch(for: empty, log: log) } throws: { "\($0)".contains(f.bucket) && "\($0)".contains("nothing under it") }
        let missing = TaskSpec(name: "train", runCommand: "true",
                               data: [DataSource(source: "s3://gone-\(f.bucket)/x/", path: "data", secret: "s3", endpoint: f.s3.endpoint)])
        await #expect { try await inputs.fetch(for: missing, log: log) } throws: { "\($0)".contains("gone-\(f.bucket)") && "\($0)".contains("NoSuchBucket") }
    }
}

/// A store that keeps uploads in memory (and can refuse them).
final class FakeObjectStore: ObjectStore, ObjectStoreProvider, @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String: Data] = [:]
    var failUploads = false

    var keys: [String] { lock.withLock { stored.keys.sorted() } }

    struct Refused: Error, CustomStringConvertible {
        var description: String { "PutObject on bucket 'b' failed: AccessDenied (HTTP 403)" }
    }

    func store(for connection: ObjectStoreConnection, events: @escaping @Sendable (String) -> Void) throws -> any ObjectStore { self }
    func list(bucket: String, prefix: String) async throws -> [StoredObject] { [] }
    func head(bucket: String, key: String) async throws -> StoredObject? { nil }
    func download(bucket: String, object: StoredObject, to file: URL, progress: @escaping @Sendable (Int64) -> Void) async throws {}
    func upload(file: URL, bucket: String, key: String, progress: @escaping @Sendable (Int64) -> Void) async throws -> String {
        if failUploads { throw Refused() }
        let data = try Data(contentsOf: file)
        lock.withLock { stored["\(bucket)/\(key)"] = data }
        return "etag"
    }
}

@Suite("Artifact destinations")
struct ArtifactPublisherTests {
    func publish(_ task: TaskSpec, files: [String], store: FakeObjectStore) async throws -> (ArtifactPublisher.Outcome, String) {
        let directory = try TemporaryDirectory(prefix: "ame-publish")
        let engine = try Engine(layout: EngineLayout(dataDirectory: directory.file("data"), cacheDirectory: directory.file("cache")),
                                configuration: EngineConfiguration.load(path: nil, environment: [:]))
        let workspace = directory.file("workspace")
        var entries: [Manifest.Entry] = []
        for path in files {
            let data = Data(path.utf8)
            _ = try directory.write("workspace/\(path)", path)
            entries.append(Manifest.Entry(path: path, digest: Digest(hex: String(repeating: "0", count: 64))!, size: Int64(data.count)))
        }
        let publisher = ArtifactPublisher(provider: store, resolver: StorageSettingsResolver(vault: engine.vault, owner: "me", baseEnvironment: [:]),
                                          workspace: workspace, placeholders: .init(run: "run-1", task: task.name, project: "demo", date: Date()))
        let log = StepLog(writer: try engine.logs.writer(for: "run-1"), step: task.name)
        let outcome = await publisher.publish(entries, task: task, log: log)
        let text = try engine.logs.read(runID: "run-1", from: 0).events.map(\.text).joined()
        return (outcome, text)
    }

    static let pipeline = TaskSpec(
        name: "main",
        pipeline: [
            TaskSpec(name: "train", runCommand: "true"),
            TaskSpec(name: "eval", runCommand: "true", artifacts: ArtifactsSpec(paths: ["metrics.json"])),
        ],
        artifacts: ArtifactsSpec(paths: ["*.pkl"], destination: "s3://models/{project}/{run}", local: false))

    @Test("files go under the expanded prefix; 'local: false' drops only what no other block keeps local")
    func localFalse() async throws {
        let store = FakeObjectStore()
        let (outcome, log) = try await publish(Self.pipeline, files: ["model.pkl", "metrics.json", "notes.txt"], store: store)
        #expect(outcome.failure == nil)
        #expect(store.keys == ["models/demo/run-1/model.pkl"])
        #expect(outcome.remoteOnly == ["model.pkl"])
        #expect(log.contains("⇡ model.pkl → s3://models/demo/run-1/model.pkl"))
    }

    @Test("a failed upload is the run's failure, and every file still comes back")
    func failure() async throws {
        let store = FakeObjectStore()
        store.failUploads = true
        let (outcome, _) = try await publish(Self.pipeline, files: ["model.pkl"], store: store)
        #expect(outcome.failure?.contains("could not upload model.pkl to s3://models/demo/run-1/model.pkl") == true)
        #expect(outcome.failure?.contains("AccessDenied") == true)
        #expect(outcome.remoteOnly.isEmpty)
    }
}
