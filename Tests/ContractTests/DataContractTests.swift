import AMECore
import AMESystem
import AMETestSupport
import KubernetesTestSupport
import Foundation
import Testing

/// `data:` inputs fetched before a run and `artifacts.destination` uploads after it, through
/// the real `ame` binary, against a real S3 API (moto) behind a recording, fault-injecting
/// proxy; what lands in the bucket is read back with boto3.
@Suite("Data sources and destinations", .timeLimit(.minutes(15)))
struct DataContractTests {
    /// 21 MiB: over 20 MB, and over the multipart threshold.
    static let bigSize = 21 << 20

    struct Setup {
        let sandbox: AMESandbox
        let s3: S3TestServer
        let bucket: String

        func project(_ yaml: String) throws -> URL {
            try sandbox.project(["ame.yaml": yaml])
        }

        /// The most recent run's id.
        func lastRunID() async throws -> String {
            try #require(try Contract.decode(RunPage.self, try await sandbox.ame(["runs", "--json"])).runs.first?.id)
        }

        /// Everything the run's log holds, as `ame logs` shows it (and as JSON).
        func logs(_ id: String) async throws -> String {
            let text = try await sandbox.ame(["logs", id])
            let json = try await sandbox.ame(["logs", id, "--json"])
            return text.stdout + text.stderr + json.stdout
        }

        func object(_ key: String) async throws -> [String: Any] {
            try #require(try await s3.tool(["get", bucket, key]) as? [String: Any])
        }

        /// No credential in the run's log, the stored files, or what `ame` printed.
        func expectNoCredentials(in outputs: [String], sourceLocation: Testing.SourceLocation = #_sourceLocation) {
            for value in [s3.accessKey, s3.secretKey] {
                for output in outputs {
                    #expect(!output.contains(value), "a credential appears in output", sourceLocation: sourceLocation)
                }
                for file in Contract.dataFiles(sandbox) {
                    #expect(!Contract.contains(file, value), "a credential is stored in clear in \(file.path)", sourceLocation: sourceLocation)
                }
            }
        }
    }

    func setup(_ transport: Transport) async throws -> Setup {
        let sandbox = try AMESandbox(transport)
        try await sandbox.prepare()
        let s3 = try await S3TestServer.start()
        let bucket = S3TestServer.uniqueBucket("data")
        try await s3.tool(["create-bucket", bucket])
        let value = "AWS_ACCESS_KEY_ID=\(s3.accessKey)\nAWS_SECRET_ACCESS_KEY=\(s3.secretKey)\n"
        let set = try await sandbox.ame(["secret", "set", "s3creds"], input: Data(value.utf8))
        #expect(set.exitCode == 0, "\(set.stderr)")
        return Setup(sandbox: sandbox, s3: s3, bucket: bucket)
    }

    @Test("inputs under a prefix (one over 20 MB) are in place before the command starts; a second run downloads nothing",
          arguments: Transport.available)
    func inputsAreCached(transport: Transport) async throws {
        let s = try await setup(transport)
        let big = try #require(try await s.s3.tool(["put-random", s.bucket, "datasets/v1/big.bin", String(Self.bigSize), "42"]) as? [String: Any])
        let small = try #require(try await s.s3.tool(["put", s.bucket, "datasets/v1/train.csv", "x,y\n1,2\n"]) as? [String: Any])
        let nested = try #require(try await s.s3.tool(["put", s.bucket, "datasets/v1/labels/classes.txt", "cat\ndog\n"]) as? [String: Any])
        try await s.s3.tool(["put", s.bucket, "datasets/v2/ignored.csv", "not this one"])
        let project = try s.project("""
            projectname: inputs
            tasks:
              train:
                runcommand: sha256sum inputs/big.bin inputs/train.csv inputs/labels/classes.txt; ls inputs
                dependencies: none
                data:
                  - source: s3://\(s.bucket)/datasets/v1/
                    path: inputs
                    secret: s3creds
                    endpoint: \(s.s3.endpoint)
            """)
        let first = try await s.sandbox.ame(["run", "train"], in: project)
        #expect(first.exitCode == 0, "\(first.stderr)")
        for (object, path) in [(big, "inputs/big.bin"), (small, "inputs/train.csv"), (nested, "inputs/labels/classes.txt")] {
            #expect(first.stdout.contains("\(object["sha256"] as? String ?? "?")  \(path)"), "\(path) is not what the bucket holds:\n\(first.stdout)")
        }
        #expect(!first.stdout.contains("ignored.csv"))
        #expect(first.stderr.contains("⇣ s3://\(s.bucket)/datasets/v1/ → inputs/: 3 objects"))
        // Progress of the large object shows in the log.
        #expect(first.stderr.contains("⇣ inputs/big.bin 50%"), "\(first.stderr)")
        #expect(try s.s3.requests().filter(\.isGetObject).count == 3)
        // Inputs are not artifacts: nothing of them comes back to the project.
        #expect(!FileManager.default.fileExists(atPath: project.appendingPathComponent("inputs").path))

        try await s.s3.reset()
        let second = try await s.sandbox.ame(["run", "train"], in: project)
        #expect(second.exitCode == 0, "\(second.stderr)")
        #expect(second.stdout.contains("\(big["sha256"] as? String ?? "?")  inputs/big.bin"))
        let requests = try s.s3.requests()
        #expect(requests.filter(\.isGetObject).isEmpty, "the second run downloaded again: \(requests.map { "\($0.method) \($0.path)" })")
        #expect(requests.contains { $0.path.contains("list-type=2") }, "the listing (which tells changed objects) should still be asked for")
        #expect(second.stderr.contains("(0 downloaded, 3 from the cache)"))
        let id = try await s.lastRunID()
        let logs = try await s.logs(id)
        #expect(logs.contains("3 from the cache"))
        s.expectNoCredentials(in: [first.stdout, first.stderr, second.stdout, second.stderr, logs])
    }

    @Test("artifacts go to the destination at the expanded prefix with the right bytes, multipart included; local: false keeps them out of the project",
          arguments: Transport.available)
    func artifactsAreUploaded(transport: Transport) async throws {
        let s = try await setup(transport)
        let project = try s.project("""
            projectname: outputs
            tasks:
              train:
                runcommand: mkdir -p out && head -c \(Self.bigSize + 12345) /dev/urandom > out/model.bin && echo acc=0.9 > out/metrics.json && echo scratch > notes.txt
                dependencies: none
                artifacts:
                  paths: [out/*]
                  destination: s3://\(s.bucket)/models/{project}/{task}/{run}/
                  secret: s3creds
                  endpoint: \(s.s3.endpoint)
              publish:
                runcommand: echo published > report.txt
                dependencies: none
                artifacts:
                  destination: s3://\(s.bucket)/reports/{date}/{run}
                  local: false
                  secret: s3creds
                  endpoint: \(s.s3.endpoint)
            """)
        let result = try await s.sandbox.ame(["run", "train"], in: project)
        #expect(result.exitCode == 0, "\(result.stderr)")
        let id = try await s.lastRunID()
        let prefix = "models/outputs/train/\(id)/"
        // Back locally, and in the bucket with the same bytes.
        let localModel = try Data(contentsOf: project.appendingPathComponent("out/model.bin"))
        #expect(localModel.count == Self.bigSize + 12345)
        let model = try await s.object(prefix + "out/model.bin")
        #expect(model["sha256"] as? String == sha256(localModel))
        #expect((model["etag"] as? String)?.hasSuffix("-3") == true, "not a multipart upload: \(model)")
        let metrics = try await s.object(prefix + "out/metrics.json")
        #expect(metrics["sha256"] as? String == sha256(try Data(contentsOf: project.appendingPathComponent("out/metrics.json"))))
        // Only what the globs name.
        let listed = try #require(try await s.s3.tool(["list", s.bucket, prefix]) as? [[String: Any]])
        #expect(listed.compactMap { $0["key"] as? String }.sorted() == [prefix + "out/metrics.json", prefix + "out/model.bin"])
        // Every part and PUT carried its Content-MD5.
        let puts = try s.s3.requests().filter { $0.method == "PUT" }
        #expect(puts.count == 4, "\(puts.map(\.path))")
        #expect(puts.allSatisfy { ($0.headers["content-md5"] ?? "").count == 24 })
        #expect(result.stderr.contains("⇡ out/model.bin → s3://\(s.bucket)/\(prefix)out/model.bin"))

        let publish = try await s.sandbox.ame(["run", "publish"], in: project)
        #expect(publish.exitCode == 0, "\(publish.stderr)")
        let publishID = try await s.lastRunID()
        let run = try await Contract.status(s.sandbox, publishID)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let day = calendar.dateComponents([.year, .month, .day], from: run.createdAt)
        let date = String(format: "%04d-%02d-%02d", day.year!, day.month!, day.day!)
        let report = try await s.object("reports/\(date)/\(publishID)/report.txt")
        #expect(report["sha256"] as? String == sha256(Data("published\n".utf8)))
        #expect(!FileManager.default.fileExists(atPath: project.appendingPathComponent("report.txt").path), "local: false, yet report.txt came back")
        s.expectNoCredentials(in: [result.stdout, result.stderr, publish.stdout, publish.stderr, try await s.logs(id), try await s.logs(publishID)])
    }

    @Test("wrong credentials and a missing bucket fail the run before the command starts, naming the bucket and the code",
          arguments: Transport.available)
    func failuresBeforeTheCommand(transport: Transport) async throws {
        let s = try await setup(transport)
        try await s.s3.tool(["put", s.bucket, "in/a.csv", "1"])
        let wrong = "AWS_ACCESS_KEY_ID=\(s.s3.accessKey)\nAWS_SECRET_ACCESS_KEY=wrong-\(UUID().uuidString)\n"
        #expect(try await s.sandbox.ame(["secret", "set", "badcreds"], input: Data(wrong.utf8)).exitCode == 0)
        let missingBucket = "missing-\(s.bucket)"
        let project = try s.project("""
            projectname: failures
            tasks:
              badcreds:
                runcommand: touch started
                dependencies: none
                data: {source: s3://\(s.bucket)/in/, path: in, secret: badcreds, endpoint: \(s.s3.endpoint)}
              nobucket:
                runcommand: touch started
                dependencies: none
                data: {source: s3://\(missingBucket)/in/, path: in, secret: s3creds, endpoint: \(s.s3.endpoint)}
              badupload:
                runcommand: echo result > result.txt
                dependencies: none
                artifacts: {destination: s3://\(s.bucket)/out/, secret: badcreds, endpoint: \(s.s3.endpoint)}
            """)
        let credentials = try await s.sandbox.ame(["run", "badcreds"], in: project)
        #expect(credentials.exitCode != 0)
        #expect(credentials.stderr.contains("bucket '\(s.bucket)'"), "\(credentials.stderr)")
        #expect(credentials.stderr.contains("SignatureDoesNotMatch"))
        #expect(credentials.stderr.contains("the secret 'badcreds'"))
        #expect(!FileManager.default.fileExists(atPath: project.appendingPathComponent("started").path), "the command ran")

        let bucket = try await s.sandbox.ame(["run", "nobucket"], in: project)
        #expect(bucket.exitCode != 0)
        #expect(bucket.stderr.contains("bucket '\(missingBucket)'"), "\(bucket.stderr)")
        #expect(bucket.stderr.contains("NoSuchBucket"))
        #expect(!FileManager.default.fileExists(atPath: project.appendingPathComponent("started").path), "the command ran")
        let bucketRun = try await Contract.status(s.sandbox, try await s.lastRunID())
        #expect(bucketRun.status == .failed)
        #expect(bucketRun.reason?.contains("NoSuchBucket") == true)

        // An upload that fails fails the run after the command; its files still come back.
        let upload = try await s.sandbox.ame(["run", "badupload"], in: project)
        #expect(upload.exitCode != 0)
        #expect(upload.stderr.contains("bucket '\(s.bucket)'"), "\(upload.stderr)")
        #expect(upload.stderr.contains("SignatureDoesNotMatch"))
        #expect(FileManager.default.fileExists(atPath: project.appendingPathComponent("result.txt").path))
        let uploadID = try await s.lastRunID()
        let logs = try await s.logs(uploadID)
        #expect(logs.contains("SignatureDoesNotMatch"))
        s.expectNoCredentials(in: [credentials.stderr, credentials.stdout, bucket.stderr, upload.stderr, logs])
        #expect(!(credentials.stderr + upload.stderr + logs).contains(wrong.split(separator: "=").last!.trimmingCharacters(in: .whitespacesAndNewlines)))
    }

    @Test("an endpoint that refuses connections fails the run before the command, once, in a sentence naming it",
          arguments: Transport.available)
    func refusedEndpoint(transport: Transport) async throws {
        let sandbox = try AMESandbox(transport)
        try await sandbox.prepare()
        let endpoint = "http://127.0.0.1:\(try TCPSocket.freePort())"
        let project = try sandbox.project(["ame.yaml": """
            projectname: refused
            tasks:
              fetch:
                runcommand: touch started
                dependencies: none
                data: {source: s3://team-data/in/, path: in, endpoint: \(endpoint)}
            """])
        let result = try await sandbox.ame(["run", "fetch"], in: project)
        #expect(result.exitCode != 0)
        #expect(!FileManager.default.fileExists(atPath: project.appendingPathComponent("started").path), "the command ran")
        let sentence = "cannot reach the S3 endpoint \(endpoint): connection refused"
        #expect(result.stderr.components(separatedBy: sentence).count == 2, "said once:\n\(result.stderr)")
        #expect(!result.stderr.contains("errno") && !result.stderr.contains("retrying"), "\(result.stderr)")
    }

    @Test("a server that answers 503 twice, then succeeds: the run succeeds after retries, downloads and uploads alike",
          arguments: Transport.available)
    func retriesAfter503(transport: Transport) async throws {
        let s = try await setup(transport)
        let input = try #require(try await s.s3.tool(["put", s.bucket, "in/a.csv", "1,2,3\n"]) as? [String: Any])
        try await s.s3.setFaults("""
            [{"method": "GET", "match": "/in/a.csv", "count": 2, "status": 503, "code": "SlowDown"},
             {"method": "PUT", "match": "/out/", "count": 2, "status": 503, "code": "ServiceUnavailable"}]
            """)
        let project = try s.project("""
            projectname: flaky
            tasks:
              train:
                runcommand: sha256sum in/a.csv && cp in/a.csv copy.csv
                dependencies: none
                data: {source: s3://\(s.bucket)/in/a.csv, path: in, secret: s3creds, endpoint: \(s.s3.endpoint)}
                artifacts: {paths: [copy.csv], destination: s3://\(s.bucket)/out/, secret: s3creds, endpoint: \(s.s3.endpoint)}
            """)
        let result = try await s.sandbox.ame(["run", "train"], in: project)
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(result.stdout.contains(input["sha256"] as? String ?? "?"))
        let requests = try s.s3.requests()
        #expect(requests.filter(\.isGetObject).map(\.status) == [503, 503, 200])
        #expect(requests.filter { $0.method == "PUT" }.map(\.status) == [503, 503, 200])
        #expect(result.stderr.contains("answered 503 SlowDown"))
        #expect(result.stderr.contains("retrying"))
        let copy = try await s.object("out/copy.csv")
        #expect(copy["sha256"] as? String == input["sha256"] as? String)
        s.expectNoCredentials(in: [result.stdout, result.stderr, try await s.logs(try await s.lastRunID())])
    }

    @Test("ame validate names a storage secret that is not set")
    func validateNamesMissingSecret() async throws {
        let sandbox = try AMESandbox(.embedded)
        let project = try sandbox.project(["ame.yaml": """
            projectname: check
            tasks:
              train:
                runcommand: "true"
                data: {source: s3://team-data/sets/, path: data, secret: team-s3}
                artifacts: {destination: "s3://team-models/{project}/{run}/", secret: team-s3}
            """])
        let result = try await sandbox.ame(["validate"], in: project)
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(result.stderr.contains("needs the secret 'team-s3' for s3://team-data/sets/, which is not set"))
        #expect(result.stderr.contains("ame secret set team-s3"))
        let json = try await sandbox.ame(["validate", "--json"], in: project)
        #expect(json.stdout.contains("\"missingSecrets\""))
        #expect(try await sandbox.ame(["secret", "set", "team-s3"], input: Data("AWS_ACCESS_KEY_ID=a\nAWS_SECRET_ACCESS_KEY=b\n".utf8)).exitCode == 0)
        let after = try await sandbox.ame(["validate"], in: project)
        #expect(!after.stderr.contains("team-s3"))

        let broken = try sandbox.project(["ame.yaml": """
            projectname: check
            tasks:
              train:
                runcommand: "true"
                artifacts: {destination: "s3://team-models/{runid}/"}
            """])
        let invalid = try await sandbox.ame(["validate"], in: broken)
        #expect(invalid.exitCode == 1)
        #expect(invalid.stderr.contains("unknown placeholder '{runid}'"))
    }

    func sha256(_ data: Data) -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try? process.run()
        let writer = Thread { input.fileHandleForWriting.write(data); try? input.fileHandleForWriting.close() }
        writer.start()
        let result = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(String(decoding: result, as: UTF8.self).prefix(64))
    }
}
