import AMECore
import AMETestSupport
import KubernetesTestSupport
import Foundation
import Testing

/// `nodes: N` in ame.yaml: one step on N nodes started together, told where each other are
/// in torchrun's own variables, in one log with each line's rank, failing as one, through
/// every transport (N processes here; N Pods and a headless Service on Kubernetes).
@Suite("Multi-node contract", .timeLimit(.minutes(10)))
struct NodesContractTests {
    /// What `init_process_group("env://")` does, with the standard library only: rank 0
    /// listens on MASTER_ADDR:MASTER_PORT, every other rank connects, and they all-reduce
    /// (sum) their ranks. It checks that every variable of the contract agrees.
    static let allReduce = """
        import os, socket, sys, time

        rank, world = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
        addr, port = os.environ["MASTER_ADDR"], int(os.environ["MASTER_PORT"])
        addrs = os.environ["AME_NODE_ADDRS"].split(",")
        assert os.environ["AME_NODES"] == os.environ["PET_NNODES"] == str(world), "node count"
        assert os.environ["AME_NODE_RANK"] == os.environ["PET_NODE_RANK"] == str(rank), "rank"
        assert os.environ["PET_MASTER_ADDR"] == addr == addrs[0] and len(addrs) == world, "addresses"
        assert os.environ["PET_MASTER_PORT"] == str(port), "port"

        def retry(what):
            deadline = time.time() + 120
            while True:
                try:
                    return what()
                except OSError:
                    if time.time() > deadline:
                        raise
                    time.sleep(0.2)

        if rank == 0:
            server = retry(lambda: socket.create_server((addr, port)))
            server.settimeout(120)
            total, peers = rank, []
            for _ in range(world - 1):
                conn, _ = server.accept()
                total += int(conn.makefile("r").readline())
                peers.append(conn)
            for conn in peers:
                conn.sendall(f"{total}\\n".encode())
            with open("result.txt", "w") as f:
                f.write(f"sum {total}\\n")
        else:
            conn = retry(lambda: socket.create_connection((addr, port), timeout=5))
            conn.sendall(f"{rank}\\n".encode())
            total = int(conn.makefile("r").readline())
            with open(f"only-on-rank-{rank}.txt", "w") as f:
                f.write("not rank 0's\\n")
        print(f"rank {rank} of {world}: sum {total}", flush=True)
        """

    @Test("nodes: 3 all-reduce their ranks: each prints 3, each line with its rank, rank 0's file back; from: all brings each node's into node-N/",
          arguments: Transport.withKubernetes)
    func allReduce(transport: Transport) async throws {
        let sandbox = try AMESandbox(transport)
        try await sandbox.prepare()
        let project = try sandbox.project([
            "ame.yaml": """
                projectname: allreduce
                tasks:
                  train:
                    runcommand: python3 allreduce.py
                    dependencies: none
                    nodes: 3
                  everyone:
                    runcommand: echo "rank $RANK of $WORLD_SIZE" > rank.txt
                    dependencies: none
                    nodes: 2
                    artifacts: {from: all}
                """,
            "allreduce.py": Self.allReduce,
        ])
        let result = try await sandbox.ame(["run", "train"], in: project)
        let serverLog = sandbox.server == nil ? "" : "\nserver log:\n\(sandbox.serverLog.suffix(3000))"
        #expect(result.exitCode == 0, "stdout: \(result.stdout)\nstderr: \(result.stderr)\(serverLog)")
        for rank in 0..<3 {
            #expect(result.stdout.contains("[\(rank)] rank \(rank) of 3: sum 3"), "stdout: \(result.stdout)")
        }
        // Rank 0's files come back, as if the step had run on one node; the others' do not.
        #expect((try? String(contentsOf: project.appendingPathComponent("result.txt"), encoding: .utf8)) == "sum 3\n")
        for rank in 1..<3 {
            #expect(!FileManager.default.fileExists(atPath: project.appendingPathComponent("only-on-rank-\(rank).txt").path))
        }

        // One node's lines, without their prefix.
        let id = try #require(try Contract.decode(RunPage.self, try await sandbox.ame(["runs", "--json"])).runs.first?.id)
        let node1 = try await sandbox.ame(["logs", id, "--node", "1"])
        #expect(node1.exitCode == 0, "\(node1.stderr)")
        #expect(node1.stdout.contains("rank 1 of 3: sum 3"))
        #expect(!node1.stdout.contains("[1]") && !node1.stdout.contains("rank 0 of 3") && !node1.stdout.contains("rank 2 of 3"),
                "\(node1.stdout)")

        let everyone = try await sandbox.ame(["run", "everyone"], in: project)
        #expect(everyone.exitCode == 0, "stdout: \(everyone.stdout)\nstderr: \(everyone.stderr)")
        for rank in 0..<2 {
            let file = project.appendingPathComponent("node-\(rank)/rank.txt")
            #expect((try? String(contentsOf: file, encoding: .utf8)) == "rank \(rank) of 2\n", "\(file.path)")
        }
    }

    @Test("a node that exits 5 while the others wait fails the step with 'node 2 exited 5'; the others are stopped at once, nothing left",
          arguments: Transport.withKubernetes)
    func oneNodeFails(transport: Transport) async throws {
        let sandbox = try AMESandbox(transport)
        try await sandbox.prepare()
        let gate = FileGate(in: sandbox.gatesDirectory, name: "gate-fail")
        // A number no other test sleeps for: its processes are found by it.
        let marker = "600.\(UInt32.random(in: 100_000...999_999))"
        let project = try sandbox.project(["ame.yaml": """
            projectname: failing
            tasks:
              train:
                runcommand: if [ "$AME_NODE_RANK" = 2 ]; then \(gate.shellWait); exit 5; fi; echo waiting; sleep \(marker)
                dependencies: none
                nodes: 3
            """])
        let running = try sandbox.start(["run", "train"], in: project)
        #expect(await running.waitFor("[0] waiting", timeout: .seconds(300)), "\(running.stdoutSoFar)\n\(running.stderrSoFar)")
        #expect(await running.waitFor("[1] waiting", timeout: .seconds(60)), "\(running.stdoutSoFar)\n\(running.stderrSoFar)")
        let opened = ContinuousClock.now
        try gate.open()
        let result = try await running.finish(timeout: .seconds(120))
        let stopped = ContinuousClock.now - opened
        #expect(result.exitCode == 5, "stderr: \(result.stderr)")
        #expect(result.stderr.contains("node 2 exited 5"), "\(result.stderr)")
        // The waiting nodes were stopped when node 2 failed, not waited for (they sleep for
        // ten minutes). Unloaded, the run ends well within a second here, a few seconds on
        // Kubernetes; the bound leaves room for a machine busy with other tests.
        #expect(stopped < .seconds(90), "the run took \(stopped) to end after node 2 failed")
        let run = try #require(try Contract.decode(RunPage.self, try await sandbox.ame(["runs", "--json"])).runs.first)
        #expect(run.status == .failed)
        #expect(run.reason?.contains("node 2 exited 5") == true, "reason: \(run.reason ?? "none")")

        if let cluster = sandbox.companions.compactMap({ $0 as? KubernetesCluster }).first {
            try await cluster.wait("the run's Pods and Service to be deleted") {
                cluster.pods.isEmpty && cluster.harness.services("ame").isEmpty && cluster.harness.networkPolicies("ame").isEmpty
            }
        } else {
            #expect(Contract.processes(containing: "sleep \(marker)").isEmpty, "a node's process outlived the step")
        }
    }

    @Test("a 3-node step waits whole, naming 3 nodes and what is free, until they fit; one max_* can never meet is refused at submit",
          arguments: Transport.available)
    func gangAdmission(transport: Transport) async throws {
        let sandbox = try AMESandbox(transport, engineConfig: "capacity: {cpu: 4}\nlimits: {max_memory: 1Gi}\n")
        try await sandbox.prepare()
        let gate = FileGate(in: sandbox.gatesDirectory, name: "gate-gang")
        let project = try sandbox.project(["ame.yaml": """
            projectname: gang
            tasks:
              blocker:
                runcommand: \(gate.shellWait); echo blocker-done
                dependencies: none
                resources: {cpu: 2, memory: 64Mi}
              gang:
                runcommand: echo "node $AME_NODE_RANK ran"
                dependencies: none
                nodes: 3
                resources: {cpu: 1, memory: 64Mi}
              toomuch:
                runcommand: echo never
                dependencies: none
                nodes: 3
                resources: {cpu: 1, memory: 512Mi}
            """])
        // Capacity for 2 of its nodes is free while the blocker runs: none of them starts.
        let blocker = try await Contract.submit(sandbox, "blocker", in: project)
        _ = try await Contract.waitForRun(sandbox, blocker.id) { $0.status == .running }
        let gang = try await Contract.submit(sandbox, "gang", in: project)
        let queued = try await Contract.waitForRun(sandbox, gang.id, timeout: .seconds(20)) { $0.reason?.contains("waiting") == true }
        #expect(queued.status == .queued)
        let reason = queued.reason ?? ""
        #expect(reason.contains("3 nodes") && reason.contains("3 cpu") && reason.contains("2 of 4 free"), "reason: \(reason)")
        try gate.open()
        let done = try await Contract.waitForRun(sandbox, gang.id) { $0.status.isTerminal }
        #expect(done.status == .succeeded, "\(done.reason ?? "")")
        let logs = try await sandbox.ame(["logs", gang.id])
        for rank in 0..<3 { #expect(logs.stdout.contains("[\(rank)] node \(rank) ran"), "\(logs.stdout)") }

        // 3 × 512Mi can never be under max_memory: refused before anything is queued.
        let refused = try await sandbox.ame(["run", "toomuch"], in: project)
        #expect(refused.exitCode != 0)
        #expect(refused.stderr.contains("max_memory") && refused.stderr.contains("3 nodes") && refused.stderr.contains("1Gi"), "\(refused.stderr)")
        let runs = try Contract.decode(RunPage.self, try await sandbox.ame(["runs", "--json"]))
        #expect(!runs.runs.contains { $0.task == "toomuch" })
    }
}
