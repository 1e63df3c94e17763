import AMECore
import AMESystem
import AMETestSupport
import KubernetesTestSupport
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import KubernetesHarness
import Testing

/// `ame run` against `ame-server --executor kubernetes`, end to end: the real `ame`, the
/// real server on loopback, and the Kubernetes API harness whose Pods run the step's
/// init and main containers as processes. What a user sees (output, exit codes, files
/// back, statuses) and what the cluster received (Pods, Secrets, deletes) are both checked.
@Suite("Kubernetes executor through ame-server", .serialized, .timeLimit(.minutes(20)))
struct KubernetesContractTests {
    /// Everything `ame logs RUN` shows, both streams.
    func logs(_ cluster: KubernetesCluster, _ id: String) async throws -> String {
        let result = try await cluster.sandbox.ame(["logs", id])
        return result.stdout + result.stderr
    }

    /// The HTTP status of `method PATH` on the server with `token` (and the body).
    func call(_ cluster: KubernetesCluster, _ method: String, _ path: String, token: String, body: String? = nil) async throws -> (Int, Data) {
        let base = try #require(cluster.sandbox.server?.url)
        let url = try #require(URL(string: base + path))
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        if let body {
            request.httpBody = Data(body.utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, data)
    }

    @Test("the quickstart runs as a Pod: live output, model.pkl and metrics.json back, exit 0, Pods and Secrets cleaned up")
    func quickstart() async throws {
        let cluster = try await KubernetesCluster()
        defer { Task { await cluster.shutdown() } }
        let project = try cluster.sandbox.project(copying: "quickstart")
        let running = try cluster.sandbox.start(["run", "train"], in: project)
        #expect(await running.waitFor("epoch 1/5", timeout: .seconds(600)), "no live output: \(running.stderrSoFar)\n\(cluster.sandbox.serverLog)")
        #expect(running.child.exitStatusIfEnded == nil, "the first line only appeared after the run ended")
        let result = try await running.finish()
        #expect(result.exitCode == 0, "stderr: \(result.stderr)\nserver log:\n\(cluster.sandbox.serverLog)")
        #expect(result.stdout.contains("epoch 5/5"))
        #expect(FileManager.default.fileExists(atPath: project.appendingPathComponent("model.pkl").path))
        let metrics = try JSONSerialization.jsonObject(with: Data(contentsOf: project.appendingPathComponent("metrics.json"))) as? [String: Any]
        #expect((metrics?["accuracy"] as? Double ?? 0) > 0.9)

        // The cluster got one Pod for the one step, as the translation says.
        let pods = cluster.harness.createdPods
        #expect(pods.count == 1)
        let pod = try #require(pods.first)
        #expect(pod["metadata"]["labels"]["app.kubernetes.io/managed-by"].string == "ame")
        #expect(pod["metadata"]["labels"]["ame.dev/task"].string == "train")
        #expect(pod["metadata"]["labels"]["ame.dev/project"].string == "quickstart")
        #expect(pod["spec"]["restartPolicy"].string == "Never")
        #expect(pod["spec"]["containers"][0]["resources"]["limits"]["memory"].string == "2Gi")
        #expect(pod["spec"]["containers"][0]["resources"]["limits"]["cpu"].string == "1")
        // After the run, nothing of it is left in the namespace.
        try await cluster.wait("the run's Pods and Secrets to be deleted") {
            cluster.pods.isEmpty && cluster.harness.secrets("ame").isEmpty
        }
    }

    /// Warm Pods: with `AME_KUBERNETES_CACHE_VOLUME` the step Pods keep uv's cache, AME's
    /// tools and the environments they build on the volume (the user's own folder of it), so
    /// the project's second run installs nothing. Prints both times to the first line of
    /// the command; `scripts/bench-envs` reports their ratio.
    @Test("with a cache volume, the quickstart's second run installs nothing: the environment on the volume is reused")
    func warmPods() async throws {
        let volume = try TemporaryDirectory(prefix: "ame-cache-volume")
        let cluster = try await KubernetesCluster(cacheVolume: volume.url)
        defer { Task { await cluster.shutdown() } }
        let project = try cluster.sandbox.project(copying: "quickstart")
        var times: [Duration] = []
        var ids: [String] = []
        for _ in 1...2 {
            let clock = ContinuousClock()
            let started = clock.now
            let running = try cluster.sandbox.start(["run", "train"], in: project)
            #expect(await running.waitFor("training on", timeout: .seconds(900)), "\(running.stderrSoFar)\n\(cluster.sandbox.serverLog)")
            times.append(clock.now - started)
            let result = try await running.finish()
            #expect(result.exitCode == 0, "stderr: \(result.stderr)\nserver log:\n\(cluster.sandbox.serverLog)")
            let list = try await cluster.sandbox.ame(["runs", "--json"])
            let runs = try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [String: Any]
            ids.append(((runs?["runs"] as? [[String: Any]])?.first?["id"] as? String) ?? "")
        }
        let first = try await logs(cluster, ids[0])
        let second = try await logs(cluster, ids[1])
        #expect(first.contains("Building the pip environment"), "\(first)")
        #expect(second.contains("Using the pip environment"), "\(second)")
        #expect(!second.contains("Building the"), "the second run installed again:\n\(second)")
        #expect(!second.contains("pip install"), "\(second)")
        // On the volume, in the user's folder: uv's cache and the environment.
        let userFolder = volume.url.appendingPathComponent("users/tester")
        #expect(FileManager.default.fileExists(atPath: userFolder.appendingPathComponent("envs").path))
        #expect(FileManager.default.fileExists(atPath: userFolder.appendingPathComponent("tools/cache/uv").path)
                || FileManager.default.fileExists(atPath: userFolder.appendingPathComponent("tools/uv").path))
        // The Pods mount the claim at /var/cache/ame, from the user's own folder.
        let pod = try #require(cluster.harness.createdPods.last)
        #expect(pod["spec"]["volumes"].array?.contains { $0["persistentVolumeClaim"]["claimName"].string == "ame-cache" } == true)
        let mount = pod["spec"]["containers"][0]["volumeMounts"].array?.first { $0["name"].string == "ame-cache" }
        #expect(mount?["mountPath"].string == "/var/cache/ame")
        #expect(mount?["subPath"].string == "users/tester")
        let seconds = times.map { Double($0.components.seconds) + Double($0.components.attoseconds) / 1e18 }
        print(String(format: "warm-pods: first line after %.2f s on the first run, %.2f s on the second (%.2fx)",
                     seconds[0], seconds[1], seconds[1] / seconds[0]))
    }

    @Test("env and secrets arrive (the secret by secretKeyRef, masked in logs, in no Pod spec); the exit code is ame's")
    func secretsAndExitCode() async throws {
        let cluster = try await KubernetesCluster()
        defer { Task { await cluster.shutdown() } }
        let value = "k8s-s3cr3t-\(UUID().uuidString.prefix(12))"
        let set = try await cluster.sandbox.ame(["secret", "set", "apikey"], input: Data(value.utf8))
        #expect(set.exitCode == 0, "\(set.stderr)")
        let project = try cluster.sandbox.project([
            "ame.yaml": """
                projectname: k8s-secrets
                tasks:
                  show:
                    runcommand: ./show.sh
                    dependencies: none
                    env: {GREETING: hello}
                    secrets: {name: apikey, envkey: API_KEY}
                """,
            "show.sh": """
                #!/bin/sh
                echo "$GREETING from step $AME_STEP"
                echo "key: $API_KEY"
                test "${#API_KEY}" -eq \(value.count) && echo "length ok"
                echo "token: ${AME_TOKEN:-withheld}"
                echo made > produced.txt
                echo to-stderr >&2
                exit 3
                """,
        ])
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: project.appendingPathComponent("show.sh").path)
        let result = try await cluster.sandbox.ame(["run", "show"], in: project)
        #expect(result.exitCode == 3, "stderr: \(result.stderr)\nserver log:\n\(cluster.sandbox.serverLog)")
        #expect(result.stdout.contains("hello from step show"))
        #expect(result.stdout.contains("key: ***"))
        #expect(result.stdout.contains("length ok"))
        #expect(result.stdout.contains("token: withheld"))
        // A container's log is one stream: what the step wrote to stderr arrives with its
        // stdout (as `kubectl logs` shows it).
        #expect(result.stdout.contains("to-stderr"))
        #expect(!result.stdout.contains(value) && !result.stderr.contains(value))
        // Files a failed run wrote still come back.
        #expect((try? String(contentsOf: project.appendingPathComponent("produced.txt"), encoding: .utf8)) == "made\n")

        let pods = cluster.harness.createdPods
        #expect(pods.count == 1)
        for pod in pods {
            #expect(!pod.allStrings.contains { $0.contains(value) || $0.contains(Data(value.utf8).base64EncodedString()) },
                    "a secret value is in the Pod spec")
            let env = pod["spec"]["containers"][0]["env"].array ?? []
            let apiKey = try #require(env.first { $0["name"].string == "API_KEY" })
            #expect(apiKey["valueFrom"]["secretKeyRef"]["name"].string != nil)
            #expect(apiKey["value"] == .null)
            // The agent's token is a reference too, never a literal.
            let token = try #require(env.first { $0["name"].string == "AME_TOKEN" })
            #expect(token["valueFrom"]["secretKeyRef"]["name"].string != nil)
        }
        let id = try #require(try Contract.decode(RunPage.self, try await cluster.sandbox.ame(["runs", "--json"])).runs.first?.id)
        #expect(!(try await logs(cluster, id)).contains(value))
        for file in Contract.dataFiles(cluster.sandbox) {
            #expect(!Contract.contains(file, value), "the secret is stored in clear in \(file.path)")
        }
    }

    @Test("a secret deleted before its step starts fails the step with the reason Kubernetes gives")
    func missingSecret() async throws {
        let cluster = try await KubernetesCluster()
        defer { Task { await cluster.shutdown() } }
        #expect(try await cluster.sandbox.ame(["secret", "set", "later"], input: Data("v4lue-later".utf8)).exitCode == 0)
        let gate = cluster.sandbox.directory.url.appendingPathComponent("gate")
        let project = try cluster.sandbox.project(["ame.yaml": """
            projectname: k8s-missing
            tasks:
              both:
                dependencies: none
                pipeline:
                  wait:
                    runcommand: "echo waiting; while [ ! -e \(gate.path) ]; do sleep 0.1; done"
                    dependencies: none
                  use:
                    runcommand: "echo never"
                    dependencies: none
                    secrets: {name: later, envkey: LATER}
            """])
        let run = try await Contract.submit(cluster.sandbox, "both", in: project)
        try await cluster.wait("the first step to run") { try await logs(cluster, run.id).contains("waiting") }
        #expect(try await cluster.sandbox.ame(["secret", "rm", "later"]).exitCode == 0)
        FileManager.default.createFile(atPath: gate.path, contents: Data())
        let ended = try await Contract.waitForRun(cluster.sandbox, run.id) { $0.status.isTerminal }
        #expect(ended.status == .failed)
        #expect(ended.reason?.contains("CreateContainerConfigError") == true, "reason: \(ended.reason ?? "none")")
        let text = try await logs(cluster, run.id)
        #expect(text.contains("CreateContainerConfigError"))
        #expect(text.contains("the secret 'later' is not set"))
        #expect(!text.contains("never"))
        try await cluster.wait("the run's Pods to be deleted") { cluster.pods.isEmpty }
    }

    @Test("a step killed at its memory limit (OOMKilled) is retried in a new Pod with double the memory, and succeeds")
    func outOfMemoryRetry() async throws {
        let cluster = try await KubernetesCluster()
        defer { Task { await cluster.shutdown() } }
        let project = try cluster.sandbox.project(["ame.yaml": """
            projectname: k8s-memory
            tasks:
              big:
                runcommand: python3 -c "import time; b = b'x' * (250 * 1024 * 1024); time.sleep(1); print('allocated', len(b) // 1048576, 'MiB')"
                dependencies: none
                resources: {memory: 200Mi}
                retry: {oom: {factor: 2}}
            """])
        let result = try await cluster.sandbox.ame(["run", "big"], in: project)
        let output = result.stdout + result.stderr
        #expect(result.exitCode == 0, "output: \(output)\nserver log:\n\(cluster.sandbox.serverLog)")
        #expect(result.stdout.contains("allocated 250 MiB"))
        #expect(output.contains("OOMKilled"))
        #expect(output.contains("retrying with 400Mi"))
        let limits = cluster.harness.createdPods.map { $0["spec"]["containers"][0]["resources"]["limits"]["memory"].string }
        #expect(limits == ["200Mi", "400Mi"])
        let attemptLabels = cluster.harness.createdPods.map { $0["metadata"]["labels"]["ame.dev/attempt"].string }
        #expect(attemptLabels == ["1", "2"])
        let id = try #require(try Contract.decode(RunPage.self, try await cluster.sandbox.ame(["runs", "--json"])).runs.first?.id)
        let attempts = try #require(try await Contract.status(cluster.sandbox, id).steps.first?.attempts)
        #expect(attempts.count == 2)
        #expect(attempts.first?.outcome == .outOfMemory)
        #expect(attempts.last?.resources.memory?.text == "400Mi")
        #expect(attempts.last?.status == .succeeded)
    }

    @Test("ame cancel deletes the Pod; the step's processes stop and the run is cancelled")
    func cancelDeletesPod() async throws {
        let cluster = try await KubernetesCluster()
        defer { Task { await cluster.shutdown() } }
        let project = try cluster.sandbox.project(["ame.yaml": """
            projectname: k8s-cancel
            tasks:
              sleepy:
                runcommand: "echo started; sleep 97.25"
                dependencies: none
            """])
        let run = try await Contract.submit(cluster.sandbox, "sleepy", in: project)
        try await cluster.wait("the step to start") { try await logs(cluster, run.id).contains("started") }
        let podName = try #require(cluster.pods.first?["metadata"]["name"].string)

        // The Pod's token (from the Secret it references) fetches files, and nothing else.
        let encoded = try #require(cluster.harness.secrets("ame").compactMap { $0["data"]["token"].string }.first)
        let token = String(decoding: try #require(Data(base64Encoded: encoded)), as: UTF8.self)
        let missing = try await call(cluster, "POST", "/v1/blobs/missing", token: token, body: #"{"digests": []}"#)
        #expect(missing.0 == 200)
        #expect(try await call(cluster, "GET", "/v1/runs", token: token).0 == 403)
        #expect(try await call(cluster, "GET", "/v1/runs/\(run.id)", token: token).0 == 403)

        let cancelled = try await cluster.sandbox.ame(["cancel", run.id])
        #expect(cancelled.exitCode == 0, "\(cancelled.stderr)")
        let ended = try await Contract.waitForRun(cluster.sandbox, run.id, timeout: .seconds(60)) { $0.status.isTerminal }
        #expect(ended.status == .cancelled)
        #expect(cluster.harness.requests.contains { $0.method == "DELETE" && $0.path.hasSuffix("/pods/\(podName)") })
        try await cluster.wait("the Pod to be gone") { cluster.pods.isEmpty }
        try await cluster.wait("the step's processes to stop", timeout: .seconds(30)) { Contract.processes(containing: "sleep 97.25").isEmpty }
        // The run is over: so is its token.
        #expect(try await call(cluster, "POST", "/v1/blobs/missing", token: token, body: #"{"digests": []}"#).0 == 401)
    }

    @Test("a server killed mid-run re-attaches to the Pod by its labels after restart and finishes the run, no line lost or repeated")
    func restartReattaches() async throws {
        let cluster = try await KubernetesCluster()
        defer { Task { await cluster.shutdown() } }
        let project = try cluster.sandbox.project(["ame.yaml": """
            projectname: k8s-restart
            tasks:
              slow:
                runcommand: "for i in $(seq 1 14); do echo line $i; sleep 0.4; done; echo finished > done.txt"
                dependencies: none
            """])
        let run = try await Contract.submit(cluster.sandbox, "slow", in: project)
        try await cluster.wait("three lines") { try await logs(cluster, run.id).contains("line 3\n") }
        let sandbox = cluster.sandbox
        try await KubernetesCluster.onThread { sandbox.killServer() }
        #expect(cluster.pods.count == 1, "the Pod outlives the server")
        try await KubernetesCluster.onThread { _ = try sandbox.restartServer() }

        let ended = try await Contract.waitForRun(cluster.sandbox, run.id) { $0.status.isTerminal }
        #expect(ended.status == .succeeded, "reason: \(ended.reason ?? "none")\nserver log:\n\(cluster.sandbox.serverLog.suffix(3000))")
        #expect(ended.exitCode == 0)
        let text = try await logs(cluster, run.id)
        #expect(text.contains("re-attached to Pod"))
        for number in 1...14 {
            let count = text.components(separatedBy: "line \(number)\n").count - 1
            #expect(count == 1, "line \(number) appears \(count) times in:\n\(text)")
        }
        #expect(cluster.harness.createdPods.count == 1, "the restarted server made a second Pod instead of adopting the first")
        // The file the step wrote is among the run's artifacts.
        let token = try #require(cluster.sandbox.server?.adminToken)
        let (status, body) = try await call(cluster, "GET", "/v1/runs/\(run.id)/artifacts", token: token)
        #expect(status == 200)
        #expect(String(decoding: body, as: UTF8.self).contains("done.txt"), "artifacts: \(String(decoding: body, as: UTF8.self))")
        try await cluster.wait("the run's Pods and Secrets to be deleted") {
            cluster.pods.isEmpty && cluster.harness.secrets("ame").isEmpty
        }
    }

    /// Runs `ame-server ARGS` until it exits (or 60 s pass) and returns its status and output.
    func serverExit(_ arguments: [String], environment: [String: String]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = AMESandbox.serverBinary
        process.arguments = arguments
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
    }

    @Test("ame-server --executor kubernetes refuses to start, saying why, without a usable cluster or a URL Pods can reach")
    func startupErrors() async throws {
        let cluster = try await KubernetesCluster()
        defer { Task { await cluster.shutdown() } }
        let data = cluster.sandbox.directory.url.appendingPathComponent("other-data").path
        var environment = cluster.sandbox.environment
        environment["AME_ADMIN_TOKEN"] = "ame_test_startup_errors_0123456789"

        let missing = cluster.sandbox.directory.url.appendingPathComponent("no-such-kubeconfig").path
        let (status, text) = try serverExit(["--data-dir", data, "--port", "0", "--executor", "kubernetes", "--kubeconfig", missing],
                                            environment: environment)
        #expect(status != 0)
        #expect(text.contains("no-such-kubeconfig"), "\(text)")
        #expect(!text.contains("Fatal error"))

        let wrongToken = cluster.sandbox.directory.url.appendingPathComponent("wrong-kubeconfig")
        try Data(try cluster.harness.kubeconfig(token: "not-the-harness-token-0000", namespace: "ame").utf8).write(to: wrongToken)
        let port = String(try TCPSocket.freePort())
        let (refused, refusal) = try serverExit(["--data-dir", data, "--port", port, "--executor", "kubernetes", "--kubeconfig", wrongToken.path],
                                                environment: environment)
        #expect(refused != 0)
        #expect(refusal.contains("cannot use the Kubernetes API at \(cluster.harness.url.absoluteString)"), "\(refusal)")
        #expect(refusal.contains("401") || refusal.lowercased().contains("unauthorized") || refusal.contains("credentials"), "\(refusal)")

        let good = cluster.sandbox.directory.url.appendingPathComponent("kubeconfig").path
        let (unreachable, hint) = try serverExit(["--data-dir", data, "--host", "0.0.0.0", "--port", port, "--executor", "kubernetes",
                                                  "--kubeconfig", good], environment: environment)
        #expect(unreachable != 0)
        #expect(hint.contains("AME_KUBERNETES_SERVER_URL"), "\(hint)")

        let (mixed, mixedText) = try serverExit(["--data-dir", data, "--kubeconfig", good], environment: environment)
        #expect(mixed != 0)
        #expect(mixedText.contains("--kubeconfig and --kube-context need '--executor kubernetes'"), "\(mixedText)")
    }
}
