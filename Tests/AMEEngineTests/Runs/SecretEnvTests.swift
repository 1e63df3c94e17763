import AMECore
@testable import AMEEngine
import AMETestSupport
import Foundation
import Testing

/// A run's secret env (a service's access token): sealed at submit, never part of the
/// stored request, opened for the run, and gone when the run ends.
@Suite struct SecretEnvTests {
    let scratch: TemporaryDirectory
    let engine: Engine

    init() throws {
        scratch = try TemporaryDirectory(prefix: "secret-env")
        let layout = EngineLayout(dataDirectory: scratch.url.appendingPathComponent("data"), cacheDirectory: scratch.url.appendingPathComponent("cache"))
        engine = try Engine(layout: layout, configuration: EngineConfiguration(capacity: Capacity(cpuMillis: 2000, memoryBytes: 8 << 30, gpus: [])))
    }

    func request(secretEnv: [EnvVar]?, extraPackages: [String]? = nil) throws -> RunRequest {
        let yaml = Data("projectname: p\ntasks:\n  t:\n    runcommand: echo hi\n".utf8)
        let digest = try engine.blobs.put(yaml, expected: nil)
        try engine.store.claimBlobs([digest], owner: "ada")
        let manifest = Manifest(entries: [Manifest.Entry(path: "ame.yaml", digest: digest, size: Int64(yaml.count))])
        return RunRequest(task: "jupyter", manifest: manifest, command: "sleep 1", ports: [PortSpec(port: 0, name: "lab")],
                          labels: ["plugin": "jupyter"], secretEnv: secretEnv, extraPackages: extraPackages, image: "python:3.11")
    }

    @Test func theSecretEnvIsSealedApartFromTheRequest() throws {
        let token = "token-\(UUID().uuidString)"
        let run = try engine.submit(try request(secretEnv: [EnvVar(key: "JUPYTER_TOKEN", value: token)], extraPackages: ["jupyterlab"]), owner: "ada")
        let stored = try #require(try engine.store.storedRun(run.id))
        #expect(stored.request.secretEnv == nil)
        #expect(stored.request.extraPackages == ["jupyterlab"])
        #expect(stored.task.image == "python:3.11")
        #expect(stored.record.labels == ["plugin": "jupyter"])
        #expect(stored.record.ports == [PortSpec(port: 0, name: "lab")])
        #expect(try engine.vault.runSecrets(runID: run.id) == [EnvVar(key: "JUPYTER_TOKEN", value: token)])

        // Nothing under the data directory holds the value in clear.
        let files = FileManager.default.enumerator(at: engine.layout.dataDirectory, includingPropertiesForKeys: nil)?
            .compactMap { $0 as? URL } ?? []
        for file in files {
            if let data = FileManager.default.contents(atPath: file.path) {
                #expect(data.range(of: Data(token.utf8)) == nil, "\(file.path) holds the token")
            }
        }

        engine.vault.forgetRunSecrets(runID: run.id)
        #expect(try engine.vault.runSecrets(runID: run.id).isEmpty)
    }

    @Test func badNamesAndPackagesAreRefused() throws {
        #expect(throws: APIError.self) {
            _ = try engine.submit(try request(secretEnv: [EnvVar(key: "1BAD", value: "x")]), owner: "ada")
        }
        #expect(throws: APIError.self) {
            _ = try engine.submit(try request(secretEnv: nil, extraPackages: ["--index-url=http://evil"]), owner: "ada")
        }
    }
}
