import AMECore
import AMEEngine
import AMEServer
import AMETestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// Runs, logs, artifacts and secrets belong to the token's user: another user gets 404;
/// an admin sees everything. No secret value or token ever leaves in clear.
@Suite struct TenancyTests {
    static let project = [
        "ame.yaml": """
            projectname: tenancy
            tasks:
              hello:
                runcommand: echo "hello from $USER_NAME" && echo result > out.txt
                env: {USER_NAME: alice}
            """,
    ]

    func submit(_ client: any TestClientProtocol, fixture: ServerFixture, token: String) async throws -> RunRecord {
        let manifest = try fixture.project(Self.project, owner: fixture.user(for: token))
        let body = try WireFormat.encoder().encode(RunRequest(task: "hello", manifest: manifest))
        let response = try await client.send(.post, "/v1/runs", token: token, json: String(decoding: body, as: UTF8.self))
        #expect(response.status == .created, "\(response.text)")
        return try WireFormat.decoder().decode(RunRecord.self, from: Data(response.text.utf8))
    }

    func waitUntilFinished(_ client: any TestClientProtocol, id: String, token: String) async throws -> RunRecord {
        let deadline = ContinuousClock.now + .seconds(120)
        while ContinuousClock.now < deadline {
            let response = try await client.send(.get, "/v1/runs/\(id)", token: token)
            let run = try WireFormat.decoder().decode(RunRecord.self, from: Data(response.text.utf8))
            if run.status.isTerminal { return run }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("run \(id) did not finish")
        throw CancellationError()
    }

    @Test(arguments: HTTPSetup.allCases)
    func anotherUsersRunLogsArtifactsAndSecretsReadAsNotFound(setup: HTTPSetup) async throws {
        let fixture = try ServerFixture()
        try await fixture.test(setup) { client in
            let run = try await submit(client, fixture: fixture, token: fixture.aliceToken)
            #expect(run.owner == "alice")
            let finished = try await waitUntilFinished(client, id: run.id, token: fixture.aliceToken)
            #expect(finished.status == .succeeded, "\(finished)")

            // Alice sees her run, its log and its artifacts.
            let logs = try await client.send(.get, "/v1/runs/\(run.id)/logs", token: fixture.aliceToken)
            #expect(logs.status == .ok)
            #expect(logs.headers[.contentType] == "application/x-ndjson")
            #expect(logs.text.contains("hello from alice"))
            let artifacts = try await client.send(.get, "/v1/runs/\(run.id)/artifacts", token: fixture.aliceToken)
            #expect(artifacts.text.contains("out.txt"))

            // Bob gets 404 for every one of them, as for a run that does not exist.
            for path in ["/v1/runs/\(run.id)", "/v1/runs/\(run.id)/logs", "/v1/runs/\(run.id)/logs?follow=true",
                         "/v1/runs/\(run.id)/artifacts"] {
                let response = try await client.send(.get, path, token: fixture.bobToken)
                #expect(response.status == .notFound, "\(path): \(response.status)")
                #expect(response.errorCode == "not_found")
                #expect(!response.text.contains("hello"))
            }
            #expect(try await client.send(.post, "/v1/runs/\(run.id)/cancel", token: fixture.bobToken).status == .notFound)
            let bobsList = try await client.send(.get, "/v1/runs?all=true", token: fixture.bobToken)
            #expect(!bobsList.text.contains(run.id))

            // The admin sees it, alone or among all users' runs.
            #expect(try await client.send(.get, "/v1/runs/\(run.id)", token: fixture.adminToken).status == .ok)
            #expect(try await client.send(.get, "/v1/runs?all=true", token: fixture.adminToken).text.contains(run.id))

            // Secrets: Bob never sees Alice's names, cannot delete them, and no value comes back.
            let value = "s3cr3t-" + UUID().uuidString
            let encoded = Data(value.utf8).base64EncodedString()
            #expect(try await client.send(.put, "/v1/secrets/apikey", token: fixture.aliceToken, json: #"{"value":"\#(encoded)"}"#).status == .noContent)
            let alices = try await client.send(.get, "/v1/secrets", token: fixture.aliceToken)
            #expect(alices.text.contains("apikey"))
            #expect(!alices.text.contains(value) && !alices.text.contains(encoded))
            #expect(!(try await client.send(.get, "/v1/secrets", token: fixture.bobToken)).text.contains("apikey"))
            #expect(try await client.send(.delete, "/v1/secrets/apikey", token: fixture.bobToken).status == .notFound)
            #expect(try await client.send(.get, "/v1/secrets", token: fixture.adminToken).text.contains("apikey") == false)
        }
    }

    @Test func tokensAndSecretValuesAreNeverInTheDatabaseFilesInClear() async throws {
        let fixture = try ServerFixture()
        let value = "plaintext-secret-" + UUID().uuidString
        try await fixture.test(.router) { client in
            let encoded = Data(value.utf8).base64EncodedString()
            #expect(try await client.send(.put, "/v1/secrets/db", token: fixture.aliceToken, json: #"{"value":"\#(encoded)"}"#).status == .noContent)
            let created = try await client.send(.post, "/v1/tokens", token: fixture.adminToken, json: #"{"user":"dave"}"#)
            let daveToken = try #require(created.json["token"] as? String)
            #expect(try await client.send(.get, "/v1/whoami", token: daveToken).status == .ok)
            // Every answer so far: no secret value.
            for path in ["/v1/secrets", "/v1/runs", "/v1/tokens"] {
                let text = try await client.send(.get, path, token: fixture.adminToken).text
                #expect(!text.contains(value) && !text.contains(encoded))
            }
        }
        // The database and its write-ahead log, byte for byte.
        let database = fixture.engine.layout.database
        var bytes = Data()
        for suffix in ["", "-wal", "-shm"] {
            bytes.append((try? Data(contentsOf: URL(fileURLWithPath: database.path + suffix))) ?? Data())
        }
        #expect(bytes.count > 0)
        for token in [fixture.adminToken, fixture.aliceToken, fixture.bobToken] {
            #expect(bytes.range(of: Data(token.utf8)) == nil, "a token is stored in clear")
            #expect(bytes.range(of: Data(AccessToken.hash(token).utf8)) != nil, "the token's hash is what is stored")
        }
        #expect(bytes.range(of: Data(value.utf8)) == nil, "a secret value is stored in clear")
        let mode = try FileManager.default.attributesOfItem(atPath: database.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test(arguments: HTTPSetup.allCases)
    func limitsRejectAtSubmitNamingTheLimitAndQueueOverTheRunLimit(setup: HTTPSetup) async throws {
        let fixture = try ServerFixture(config: """
            limits:
              max_cpu: 1
              max_memory: 1Gi
              max_concurrent_runs: 1
            """)
        try await fixture.test(setup) { client in
            // The first run holds its slot until the test opens the gate, so the second is
            // seen waiting however slow the machine is.
            let gate = FileGate(in: URL(fileURLWithPath: NSTemporaryDirectory()), name: "ame-gate-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: gate.url) }
            let big = try fixture.project(["ame.yaml": """
                projectname: limits
                tasks:
                  big: {runcommand: "true", resources: {cpu: 2}}
                  fat: {runcommand: "true", resources: {memory: 2Gi}}
                  slow: {runcommand: "\(gate.shellWait)", resources: {cpu: 100m}}
                """])
            for (task, word) in [("big", "limit"), ("fat", "limit")] {
                let body = try WireFormat.encoder().encode(RunRequest(task: task, manifest: big))
                let response = try await client.send(.post, "/v1/runs", token: fixture.aliceToken, json: String(decoding: body, as: UTF8.self))
                #expect(response.status.code == 422, "\(response.text)")
                #expect(response.errorCode == "limit_exceeded")
                #expect(response.text.contains(word), "\(response.text)")
            }
            var ids: [String] = []
            for _ in 0..<2 {
                let body = try WireFormat.encoder().encode(RunRequest(task: "slow", manifest: big))
                let response = try await client.send(.post, "/v1/runs", token: fixture.aliceToken, json: String(decoding: body, as: UTF8.self))
                #expect(response.status == .created)
                ids.append(try #require(response.json["id"] as? String))
            }
            // One runs; the other waits, and says why.
            let deadline = ContinuousClock.now + .seconds(180)
            var seen: [String] = []
            var waitingReason: String?
            while ContinuousClock.now < deadline && waitingReason == nil {
                var states: [(String, String)] = []
                for id in ids {
                    let response = try await client.send(.get, "/v1/runs/\(id)", token: fixture.aliceToken)
                    let run = try WireFormat.decoder().decode(RunRecord.self, from: Data(response.text.utf8))
                    states.append((run.status.rawValue, run.reason ?? ""))
                }
                seen.append(states.map { "\($0.0): \($0.1)" }.joined(separator: " | "))
                if states.contains(where: { $0.0 == "running" || $0.0 == "preparing" }),
                   let queued = states.first(where: { $0.0 == "queued" && $0.1.contains("limit 1 at once") }) {
                    waitingReason = queued.1
                }
                if states.allSatisfy({ RunStatus(rawValue: $0.0)?.isTerminal == true }) { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(waitingReason != nil, "never saw one run waiting for the other: \(Array(Set(seen)).sorted())")
            try gate.open()
            for id in ids { _ = try await client.send(.post, "/v1/runs/\(id)/cancel", token: fixture.aliceToken) }
        }
    }
}
