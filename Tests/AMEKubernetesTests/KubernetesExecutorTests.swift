import AMECore
import AMEEngine
@testable import AMEKubernetes
import AMESystem
import AMETestSupport
import Foundation
import KubernetesHarness
import Testing

/// The executor against the harness, whose Pods really run `ame agent init` and
/// `ame agent exec` as processes; AME's own Role is enforced, over HTTPS with a token.
@Suite("Kubernetes executor through the harness", .serialized)
struct KubernetesExecutorTests {
    static let project = """
        projectname: demo
        tasks:
          hello:
            runcommand: ./hello.sh
            dependencies: none
            secrets: {name: api_key, envkey: API_KEY}
            env: {GREETING: hello}
            resources: {cpu: 500m, memory: 256Mi}
          pipeline:
            dependencies: none
            pipeline:
              produce: {runcommand: "mkdir -p out && echo made-by-produce > out/data.txt"}
              consume: {runcommand: "cat out/data.txt && echo consumed >> out/data.txt"}
          oom:
            runcommand: python3 -c "import time; x = bytearray(400 * 1024 * 1024); time.sleep(30)"
            dependencies: none
            resources: {memory: 100Mi}
            retry: {oom: {factor: 2}}
          sleepy:
            runcommand: "echo started; sleep 60"
            dependencies: none
          slow:
            runcommand: "for i in 1 2 3 4 5 6 7 8; do echo line $i; sleep 0.4; done"
            dependencies: none
          deadline:
            runcommand: "sleep 60"
            dependencies: none
            timeout: 2s
          failing:
            runcommand: "echo failing on purpose >&2; exit 3"
            dependencies: none
          distributed:
            runcommand: "sleep 60"
            dependencies: none
            nodes: 2
          python:
            python: "3"
            runcommand: python -c "import sys; print('in a venv:', sys.prefix != sys.base_prefix)"
        """
    static let files = [
        "ame.yaml": project,
        "hello.sh": "#!/bin/sh\necho \"$GREETING from $AME_STEP (attempt $AME_ATTEMPT)\"\necho \"the key is $API_KEY\"\necho \"token: ${AME_TOKEN:-withheld}\"\ncat input.txt\necho result > output.txt\n",
        "input.txt": "input from the project\n",
    ]

    @Test("a step runs as a Pod: logs stream masked, env and secrets arrive, outputs come back, nothing secret in the spec")
    func runsAStep() async throws {
        let cluster = try await ClusterFixture()
        defer { Task { await cluster.shutdown() } }
        try cluster.engine.vault.set(owner: "tester", name: "api_key", value: Data("s3cr3t-api-key-value".utf8))
        let run = try cluster.submit(Self.files, task: "hello")
        let attempt = try cluster.attempt(run)
        let executor = cluster.executor()
        let result = await executor.execute(attempt, log: try cluster.log(run, step: "hello"))

        let log = try cluster.logText(run)
        #expect(result == AttemptResult(outcome: .exited, exitCode: 0), "log:\n\(log)")
        #expect(log.contains("hello from hello (attempt 1)"))
        #expect(log.contains("the key is ***"))
        #expect(!log.contains("s3cr3t-api-key-value"))
        #expect(log.contains("token: withheld"))
        #expect(log.contains("input from the project"))
        #expect(log.contains("fetched 3 files"))
        #expect(try String(contentsOf: attempt.workingDirectory.appendingPathComponent("output.txt"), encoding: .utf8) == "result\n")

        // The Pod as the harness received it: no secret value anywhere in it.
        let pods = cluster.harness.createdPods
        #expect(pods.count == 1)
        for pod in pods {
            let strings = pod.allStrings
            #expect(!strings.contains { $0.contains("s3cr3t-api-key-value") || $0.contains("agent-token-for-tests") })
            #expect(!strings.contains { $0.contains(Data("s3cr3t-api-key-value".utf8).base64EncodedString()) })
        }
        let secrets = cluster.harness.secrets("ame").compactMap { $0["metadata"]["name"].string }
        #expect(Set(secrets) == [KubernetesNames.agentSecretName(runID: run.id), KubernetesNames.secretName(runID: run.id, secret: "api_key")])

        await executor.cleanUp(runID: run.id)
        try await cluster.wait("the Pods and Secrets to go") {
            cluster.harness.pods("ame").isEmpty && cluster.harness.secrets("ame").isEmpty
        }
    }

    @Test("a later step starts from the files an earlier one produced")
    func pipelineFiles() async throws {
        let cluster = try await ClusterFixture()
        defer { Task { await cluster.shutdown() } }
        let run = try cluster.submit(Self.files, task: "pipeline")
        let executor = cluster.executor()
        let produce = try cluster.attempt(run, step: "produce")
        let produceLog = try cluster.log(run, step: "produce")
        let produced = await executor.execute(produce, log: produceLog)
        #expect(produced.succeeded)
        let consume = try cluster.attempt(run, step: "consume")
        let result = await executor.execute(consume, log: try cluster.log(run, step: "consume"))
        let log = try cluster.logText(run)
        #expect(result.succeeded, "log:\n\(log)")
        #expect(log.contains("made-by-produce"))
        #expect(try String(contentsOf: consume.workingDirectory.appendingPathComponent("out/data.txt"), encoding: .utf8) == "made-by-produce\nconsumed\n")
        await executor.cleanUp(runID: run.id)
    }

    @Test("a container killed at its memory limit is out of memory (OOMKilled), and the retry asks for more")
    func outOfMemory() async throws {
        let cluster = try await ClusterFixture()
        defer { Task { await cluster.shutdown() } }
        let run = try cluster.submit(Self.files, task: "oom")
        let executor = cluster.executor()
        let result = await executor.execute(try cluster.attempt(run), log: try cluster.log(run, step: "oom"))
        let text = try cluster.logText(run)
        #expect(result.outcome == .outOfMemory, "log:\n\(text)")
        #expect(result.exitCode == 137)
        #expect(result.reason?.contains("OOMKilled") == true)
        let first = try #require(cluster.harness.pods("ame").first)
        #expect(first["status"]["containerStatuses"][0]["state"]["terminated"]["reason"].string == "OOMKilled")

        // The coordinator's retry: attempt 2 with twice the memory gets its own Pod.
        let retry = try cluster.attempt(run, number: 2, resources: Resources(memory: Quantity.bytes(200 << 20)))
        let retryLog = try cluster.log(run, step: "oom")
        let retried = Task { await executor.execute(retry, log: retryLog) }
        try await cluster.wait("the second Pod") { cluster.harness.createdPods.count == 2 }
        let second = cluster.harness.createdPods[1]
        #expect(second["metadata"]["labels"]["ame.dev/attempt"].string == "2")
        #expect(second["spec"]["containers"][0]["resources"]["limits"]["memory"].string == "200Mi")
        retried.cancel()
        _ = await retried.value
        await executor.cleanUp(runID: run.id)
    }

    @Test("cancelling deletes the Pod")
    func cancelDeletesPod() async throws {
        let cluster = try await ClusterFixture()
        defer { Task { await cluster.shutdown() } }
        let run = try cluster.submit(Self.files, task: "sleepy")
        let executor = cluster.executor()
        let attempt = try cluster.attempt(run)
        let log = try cluster.log(run, step: "sleepy")
        let work = Task { await executor.execute(attempt, log: log) }
        try await cluster.wait("the step to start") { try cluster.logText(run).contains("started") }
        let started = ContinuousClock.now
        work.cancel()
        let result = await work.value
        #expect(result.outcome == .cancelled)
        #expect(ContinuousClock.now - started < .seconds(20))
        #expect(cluster.harness.requests.contains { $0.method == "DELETE" && $0.path.hasSuffix("/pods/\(KubernetesNames.podName(runID: run.id, step: "sleepy", attempt: 1))") })
        try await cluster.wait("the Pod to be gone") { cluster.harness.pods("ame").isEmpty }
        await executor.cleanUp(runID: run.id)
    }

    @Test("a secret missing from the vault fails the step with Kubernetes' reason")
    func missingSecret() async throws {
        let cluster = try await ClusterFixture()
        defer { Task { await cluster.shutdown() } }
        try cluster.engine.vault.set(owner: "tester", name: "api_key", value: Data("v".utf8))
        let run = try cluster.submit(Self.files, task: "hello")
        // Removed after submission (which checks it), before the step starts.
        _ = try cluster.engine.vault.delete(owner: "tester", name: "api_key")
        let executor = cluster.executor()
        let result = await executor.execute(try cluster.attempt(run), log: try cluster.log(run, step: "hello"))
        let secret = KubernetesNames.secretName(runID: run.id, secret: "api_key")
        #expect(result.outcome == .failedToStart)
        #expect(result.reason == "Kubernetes could not start the step's container: CreateContainerConfigError: secret \"\(secret)\" not found")
        #expect(try cluster.logText(run).contains("the secret 'api_key' is not set"))
        // The Pod that could never start is deleted.
        try await cluster.wait("the Pod to be gone") { cluster.harness.pods("ame").isEmpty }
        await executor.cleanUp(runID: run.id)
    }

    @Test("a restarted server re-attaches to the Pod by its labels and finishes the log without repeating a line")
    func reattach() async throws {
        let cluster = try await ClusterFixture()
        defer { Task { await cluster.shutdown() } }
        let run = try cluster.submit(Self.files, task: "slow")
        let attempt = try cluster.attempt(run)
        let log = try cluster.log(run, step: "slow")

        // The first server: follows the Pod until it "dies" (its API client goes away).
        let firstClient = try KubernetesClient(configuration: cluster.client.configuration, backoff: Backoff(attempts: 1))
        defer { Task { await firstClient.shutdown() } }
        let first = cluster.executor(client: firstClient)
        let firstRun = Task { await first.execute(attempt, log: log) }
        try await cluster.wait("three lines") { try cluster.logText(run).contains("line 3") }
        await firstClient.shutdown()
        let lost = await firstRun.value
        #expect(lost.outcome == .lost)
        #expect(cluster.harness.pods("ame").count == 1, "the Pod outlives the server")

        // The restarted server: same attempt, a new executor.
        let second = cluster.executor()
        let result = await second.execute(attempt, log: log)
        let text = try cluster.logText(run)
        #expect(result.succeeded, "log:\n\(text)")
        #expect(text.contains("re-attached to Pod"))
        for line in 1...8 {
            #expect(text.components(separatedBy: "line \(line)\n").count - 1 == 1, "line \(line) in:\n\(text)")
        }
        #expect(cluster.harness.createdPods.count == 1, "no second Pod")
        await second.cleanUp(runID: run.id)
    }

    @Test("a broken watch is listed again, also when its history has expired (410)")
    func brokenWatch() async throws {
        let cluster = try await ClusterFixture(historyLimit: 5)
        defer { Task { await cluster.shutdown() } }
        let run = try cluster.submit(Self.files, task: "slow")
        let executor = cluster.executor()
        let slowAttempt = try cluster.attempt(run)
        let slowLog = try cluster.log(run, step: "slow")
        let work = Task { await executor.execute(slowAttempt, log: slowLog) }
        try await cluster.wait("the step to start") { try cluster.logText(run).contains("line 1") }
        try await cluster.wait("a watch") { cluster.harness.openWatches > 0 }
        cluster.harness.compactHistory()
        #expect(cluster.harness.breakWatches() > 0)
        let result = await work.value
        let text = try cluster.logText(run)
        #expect(result.succeeded, "log:\n\(text)")
        let lists = cluster.harness.requests.filter { $0.method == "GET" && $0.path.hasSuffix("/pods") && $0.query["watch"] == nil }
        #expect(lists.count >= 3, "the attempt lookup, the first list, and a list after the break")
        await executor.cleanUp(runID: run.id)
    }

    @Test("timeout is the Pod's activeDeadlineSeconds; exceeding it is a timeout")
    func deadline() async throws {
        let cluster = try await ClusterFixture()
        defer { Task { await cluster.shutdown() } }
        let run = try cluster.submit(Self.files, task: "deadline")
        let executor = cluster.executor()
        let result = await executor.execute(try cluster.attempt(run), log: try cluster.log(run, step: "deadline"))
        let text = try cluster.logText(run)
        #expect(result.outcome == .timedOut, "log:\n\(text)")
        #expect(cluster.harness.createdPods.first?["spec"]["activeDeadlineSeconds"].int == 2)
        await executor.cleanUp(runID: run.id)
    }

    @Test("a failing command's exit code and stderr come through")
    func failingCommand() async throws {
        let cluster = try await ClusterFixture(tls: false)
        defer { Task { await cluster.shutdown() } }
        let run = try cluster.submit(Self.files, task: "failing")
        let executor = cluster.executor()
        let result = await executor.execute(try cluster.attempt(run), log: try cluster.log(run, step: "failing"))
        #expect(result == AttemptResult(outcome: .exited, exitCode: 3, reason: "exit code 3"))
        #expect(try cluster.logText(run).contains("failing on purpose"))
        await executor.cleanUp(runID: run.id)
    }

    @Test("the agent in the Pod prepares the Python environment as the local executor does")
    func pythonEnvironment() async throws {
        let cluster = try await ClusterFixture()
        defer { Task { await cluster.shutdown() } }
        let run = try cluster.submit(Self.files, task: "python")
        let executor = cluster.executor()
        let result = await executor.execute(try cluster.attempt(run), log: try cluster.log(run, step: "python"))
        let text = try cluster.logText(run)
        #expect(result.succeeded, "log:\n\(text)")
        #expect(text.contains("in a venv: True"), "\(text)")
        #expect(cluster.harness.createdPods.first?["spec"]["containers"][0]["args"].array?.contains("--python") == true)
        await executor.cleanUp(runID: run.id)
    }

    @Test("a Pod no node can take waits and says why")
    func unschedulable() async throws {
        var node = FakeNode()
        node.allocatable["nvidia.com/gpu"] = 0
        let cluster = try await ClusterFixture(node: node)
        defer { Task { await cluster.shutdown() } }
        let run = try cluster.submit(Self.files, task: "sleepy")
        let executor = cluster.executor()
        let attempt = try cluster.attempt(run, resources: Resources(gpus: 1))
        let sleepyLog = try cluster.log(run, step: "sleepy")
        let work = Task { await executor.execute(attempt, log: sleepyLog) }
        try await cluster.wait("the scheduling note") { try cluster.logText(run).contains("waiting for a node: 0/1 nodes are available: 1 Insufficient nvidia.com/gpu") }
        work.cancel()
        #expect(await work.value.outcome == .cancelled)
        await executor.cleanUp(runID: run.id)
    }

    @Test("a node's Pod that no node takes in time fails the step with the scheduler's reason; its Service and NetworkPolicy go with the run")
    func nodeUnschedulable() async throws {
        var node = FakeNode()
        node.allocatable["nvidia.com/gpu"] = 0
        let cluster = try await ClusterFixture(node: node)
        defer { Task { await cluster.shutdown() } }
        let run = try cluster.submit(Self.files, task: "distributed")
        var settings = KubernetesSettings(namespace: "ame")
        settings.nodesSchedulingTimeoutSeconds = 1
        let executor = cluster.executor(settings: settings)
        var attempt = try cluster.attempt(run, resources: Resources(gpus: 1))
        let (addresses, port) = try executor.nodeAddresses(for: attempt, count: 2)
        attempt.node = NodeRank(rank: 1, addresses: addresses, port: port)
        let result = await executor.execute(attempt, log: try cluster.log(run, step: "distributed"))
        #expect(result.outcome == .failedToStart)
        let reason = result.reason ?? ""
        #expect(reason.contains("no node took it within 1s") && reason.contains("Insufficient nvidia.com/gpu"), "\(reason)")
        #expect(cluster.harness.createdPods.first?["metadata"]["name"].string == KubernetesNames.podName(runID: run.id, step: "distributed", attempt: 1, node: 1))
        #expect(cluster.harness.services("ame").count == 1 && cluster.harness.networkPolicies("ame").count == 1)
        await executor.cleanUp(runID: run.id)
        try await cluster.wait("the Pod, Service and NetworkPolicy to be deleted") {
            cluster.harness.pods("ame").isEmpty && cluster.harness.services("ame").isEmpty && cluster.harness.networkPolicies("ame").isEmpty
        }
    }

    @Test("a service Pod: ready once its port answers at the Pod's IP, reached there, extra packages installed, stopped when idle")
    func service() async throws {
        let cluster = try await ClusterFixture()
        defer { Task { await cluster.shutdown() } }
        let port = try TCPSocket.freePort()
        // The service listens on its Pod's IP only (the harness gives each Pod its own
        // 127.0.0.N), so only a dial to that IP reaches it; its extra package must be there.
        let files = ["ame.yaml": """
            projectname: web
            tasks:
              web:
                runcommand: python -c "import six; print('six', six.__version__)"; echo "token is $SERVICE_TOKEN"; echo served-by-pod > index.html; exec python -m http.server "$AME_PORT" --bind "$AME_POD_IP"
                dependencies: none
                ports: [{port: \(port), name: http}]
            """]
        let stored = try cluster.submit(files, task: "web")
        var request = stored.request
        request.extraPackages = ["six"]
        request.secretEnv = [EnvVar(key: "SERVICE_TOKEN", value: "tok-0123456789abcdef")]
        let run = try cluster.engine.submit(request, owner: "tester", executor: .kubernetes)
        var attempt = try cluster.attempt(run)
        attempt.readinessPorts = [port]
        attempt.idleTimeoutSeconds = 2
        let readyAt = Locked<ContinuousClock.Instant?>(nil)
        attempt.onReady = { readyAt.set(.now) }
        let executor = cluster.executor()
        let log = try cluster.log(run, step: "web")
        let ended = Locked(false)
        let execution = Task { () -> AttemptResult in
            let result = await executor.execute(attempt, log: log)
            ended.set(true)
            return result
        }
        try await cluster.wait("the service to be ready", timeout: .seconds(300)) { readyAt.value != nil || ended.value }
        let setupLog = try cluster.logText(run)
        try #require(readyAt.value != nil, "log:\n\(setupLog)")
        let pod = try #require(cluster.harness.pods("ame").first)
        let address = try #require(pod["status"]["podIP"].string)
        #expect(address != "127.0.0.1")
        #expect(TCPSocket.isAccepting(host: address, port: port))
        #expect(!TCPSocket.isAccepting(host: "127.0.0.1", port: port), "the service is not on loopback, only at its Pod's IP")
        let spec = try #require(cluster.harness.createdPods.first)
        #expect(spec["spec"]["containers"][0]["ports"][0]["containerPort"].int == port)
        #expect(spec["spec"]["containers"][0]["ports"][0]["name"].string == "http")
        // The run's secret env reaches the command from the run's env Secret, masked in the log.
        #expect(!spec.allStrings.contains { $0.contains("tok-0123456789abcdef") })
        let tokenVariable = spec["spec"]["containers"][0]["env"].array?.first { $0["name"].string == "SERVICE_TOKEN" }
        #expect(tokenVariable?["valueFrom"]["secretKeyRef"]["name"].string == KubernetesNames.runEnvSecretName(runID: run.id))
        #expect(setupLog.contains("token is ***"), "\(setupLog)")
        #expect(!setupLog.contains("tok-0123456789abcdef"))

        // A tunnel's connection: the executor dials the Pod's IP.
        let page = try await executor.connectService(runID: run.id, port: port)
        try await page.write(Data("GET /index.html HTTP/1.0\r\nHost: pod\r\n\r\n".utf8))
        var response = Data()
        while let chunk = try await page.read() { response.append(chunk) }
        await page.close()
        #expect(String(decoding: response, as: UTF8.self).contains("served-by-pod"))

        // An open connection keeps it up past the idle timeout; once it closes, it stops.
        let held = try await executor.connectService(runID: run.id, port: port)
        try await Task.sleep(for: .seconds(3))
        #expect(!ended.value, "stopped while a connection was open")
        let closedAt = ContinuousClock.now
        await held.close()
        let result: AttemptResult = await execution.value
        let text = try cluster.logText(run)
        #expect(ContinuousClock.now - closedAt >= .seconds(2))
        #expect(result.outcome == .cancelled, "log:\n\(text)")
        #expect(result.reason?.contains("idle timeout") == true, "\(String(describing: result.reason))")
        #expect(text.contains("six "), "the extra package was not installed:\n\(text)")
        #expect(text.contains("(idle timeout): deleting Pod"))
        await #expect(throws: APIError.self) { _ = try await executor.connectService(runID: run.id, port: port) }
        try await cluster.wait("the Pod's processes to end") { !TCPSocket.isAccepting(host: address, port: port) }
        await executor.cleanUp(runID: run.id)
        #expect(cluster.harness.secrets("ame").isEmpty, "the run's Secrets are deleted with it")
    }
}
