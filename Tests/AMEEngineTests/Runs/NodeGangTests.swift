import AMECore
@testable import AMEEngine
import AMETestSupport
import Foundation
import Testing

/// The nodes of a multi-node step as one attempt, through an executor that only plays
/// along (the contract tests run real processes and Pods).
@Suite(.timeLimit(.minutes(2))) struct NodeGangTests {
    let scratch: TemporaryDirectory
    let engine: Engine

    init() throws {
        scratch = try TemporaryDirectory(prefix: "node-gang")
        let layout = EngineLayout(dataDirectory: scratch.url.appendingPathComponent("data"), cacheDirectory: scratch.url.appendingPathComponent("cache"))
        engine = try Engine(layout: layout, configuration: EngineConfiguration(capacity: Capacity(cpuMillis: 8000, memoryBytes: 8 << 30, gpus: [0, 1, 2, 3])))
    }

    /// Each node does what `behaviour` says for its rank; every attempt it was given is kept.
    final class PlayingExecutor: Executor, @unchecked Sendable {
        let behaviour: @Sendable (StepAttempt, StepLog) async -> AttemptResult
        let copiesWorkspace: Bool
        private let lock = NSLock()
        private var seen: [Int: StepAttempt] = [:]

        init(copiesWorkspace: Bool = true, _ behaviour: @escaping @Sendable (StepAttempt, StepLog) async -> AttemptResult) {
            self.copiesWorkspace = copiesWorkspace
            self.behaviour = behaviour
        }

        func execute(_ attempt: StepAttempt, log: StepLog) async -> AttemptResult {
            lock.withLock { seen[attempt.node?.rank ?? -1] = attempt }
            return await behaviour(attempt, log)
        }

        var attempts: [Int: StepAttempt] { lock.withLock { seen } }
    }

    /// Waits to be cancelled, as a node waiting for the others does.
    static func waitUntilCancelled() async -> AttemptResult {
        while !Task.isCancelled { try? await Task.sleep(for: .milliseconds(10)) }
        return AttemptResult(outcome: .cancelled, exitCode: 130, reason: "cancelled")
    }

    func gang(_ executor: PlayingExecutor, nodes: Int = 3, fromAll: Bool = false) -> NodeGang {
        NodeGang(engine: engine, executor: executor, step: TaskSpec(name: "train", runCommand: "x", nodes: nodes),
                 materializer: WorkspaceMaterializer(blobs: engine.blobs, linkFilesLargerThan: 1 << 30, mayLink: false),
                 sandbox: nil, keepsEveryNodesFiles: fromAll)
    }

    func attempt(_ runID: String, workspace: URL, gpus: [Int] = []) -> StepAttempt {
        var environment = ["AME_WORKSPACE": workspace.path, "CUDA_VISIBLE_DEVICES": gpus.map(String.init).joined(separator: ","), "MASTER_PORT": "1"]
        environment["PATH"] = "/usr/bin:/bin"
        return StepAttempt(runID: runID, step: "train", number: 1, command: "x", workingDirectory: workspace, environment: environment,
                           secretValues: [], resources: Resources(), gpus: gpus, timeoutSeconds: nil)
    }

    @Test func theFirstNodeToFailStopsTheOthersAndIsTheReason() async throws {
        let executor = PlayingExecutor { attempt, _ in
            if attempt.node?.rank == 2 {
                try? await Task.sleep(for: .milliseconds(50))
                return AttemptResult(outcome: .exited, exitCode: 5, reason: "exit code 5")
            }
            return await Self.waitUntilCancelled()
        }
        let writer = try engine.logs.writer(for: "r1")
        // The other nodes wait until cancelled: that it returns at all shows they were stopped.
        let result = await gang(executor).execute(attempt("r1", workspace: scratch.url), log: StepLog(writer: writer, step: "train")) { _, _ in nil }
        #expect(result == AttemptResult(outcome: .exited, exitCode: 5, reason: "node 2 exited 5"))
        #expect(executor.attempts.count == 3)
    }

    @Test func aNodeOutOfMemoryMakesTheAttemptOutOfMemory() async throws {
        let executor = PlayingExecutor { attempt, _ in
            if attempt.node?.rank == 1 { return AttemptResult(outcome: .outOfMemory, exitCode: 137, reason: "killed: out of memory") }
            return await Self.waitUntilCancelled()
        }
        let writer = try engine.logs.writer(for: "r2")
        let result = await gang(executor, nodes: 2).execute(attempt("r2", workspace: scratch.url), log: StepLog(writer: writer, step: "train")) { _, _ in nil }
        #expect(result.outcome == .outOfMemory)
        #expect(result.reason == "node 1: killed: out of memory")
    }

    @Test func cancellingTheStepCancelsEveryNode() async throws {
        let executor = PlayingExecutor { _, _ in await Self.waitUntilCancelled() }
        let writer = try engine.logs.writer(for: "r3")
        let gang = gang(executor)
        let work = Task { await gang.execute(attempt("r3", workspace: scratch.url), log: StepLog(writer: writer, step: "train")) { _, _ in nil } }
        try await Task.sleep(for: .milliseconds(100))
        work.cancel()
        let result = await work.value
        #expect(result.outcome == .cancelled)
    }

    @Test func eachNodeIsToldTheContractGetsItsGPUsAndItsLinesPrefixed() async throws {
        let executor = PlayingExecutor { attempt, log in
            log.write(.stdout, Data("hello from \(attempt.node?.rank ?? -1)\nand a second line".utf8))
            log.write(.stdout, Data(" ends here\n".utf8))
            return AttemptResult(outcome: .exited, exitCode: 0)
        }
        let writer = try engine.logs.writer(for: "r4")
        let result = await gang(executor, nodes: 2).execute(attempt("r4", workspace: scratch.url, gpus: [0, 1, 2, 3]),
                                                             log: StepLog(writer: writer, step: "train")) { _, _ in nil }
        #expect(result.succeeded)
        let attempts = executor.attempts
        for rank in 0..<2 {
            let node = try #require(attempts[rank])
            #expect(node.environment["RANK"] == String(rank))
            #expect(node.environment["PET_NODE_RANK"] == String(rank))
            #expect(node.environment["WORLD_SIZE"] == "2" && node.environment["PET_NNODES"] == "2" && node.environment["AME_NODES"] == "2")
            #expect(node.environment["AME_NODE_ADDRS"] == "127.0.0.1,127.0.0.1")
            #expect(node.environment["MASTER_ADDR"] == "127.0.0.1" && node.environment["PET_MASTER_ADDR"] == "127.0.0.1")
            // The contract wins over what the step's env said.
            #expect(node.environment["MASTER_PORT"] != "1" && node.environment["MASTER_PORT"] == node.environment["PET_MASTER_PORT"])
            #expect(node.gpus == (rank == 0 ? [0, 1] : [2, 3]))
            #expect(node.environment["CUDA_VISIBLE_DEVICES"] == (rank == 0 ? "0,1" : "2,3"))
            #expect(node.keepsFilesUnder == (rank == 0 ? "" : nil))
        }
        let text = try engine.logs.read(runID: "r4", from: 0).events.filter { $0.kind == .stdout }.map(\.text).joined()
        #expect(text.contains("[0] hello from 0\n[0] and a second line ends here\n"), "\(text)")
        #expect(text.contains("[1] hello from 1\n[1] and a second line ends here\n"), "\(text)")
    }

    @Test func onThisMachineEachOtherNodeRunsInACopyAndFromAllBringsEveryNodesFilesBack() async throws {
        let workspace = scratch.url.appendingPathComponent("workspace")
        try FileManager.default.createDirectory(at: workspace, withIntermediateDirectories: true)
        try Data("shared input\n".utf8).write(to: workspace.appendingPathComponent("input.txt"))
        let executor = PlayingExecutor(copiesWorkspace: false) { attempt, _ in
            let rank = attempt.node?.rank ?? -1
            let input = (try? String(contentsOf: attempt.workingDirectory.appendingPathComponent("input.txt"), encoding: .utf8)) ?? "missing"
            try? Data("rank \(rank) read \(input)".utf8).write(to: attempt.workingDirectory.appendingPathComponent("out.txt"))
            return AttemptResult(outcome: .exited, exitCode: 0)
        }
        let writer = try engine.logs.writer(for: "r5")
        let result = await gang(executor, nodes: 2, fromAll: true).execute(attempt("r5", workspace: workspace),
                                                                           log: StepLog(writer: writer, step: "train")) { _, _ in nil }
        #expect(result.succeeded)
        let attempts = executor.attempts
        #expect(attempts[0]?.workingDirectory != workspace && attempts[1]?.workingDirectory != workspace)
        #expect(attempts[1]?.environment["AME_WORKSPACE"] == attempts[1]?.workingDirectory.path)
        for rank in 0..<2 {
            let file = workspace.appendingPathComponent("node-\(rank)/out.txt")
            #expect((try? String(contentsOf: file, encoding: .utf8)) == "rank \(rank) read shared input\n")
        }
        // The unchanged input is not copied back, and the copies are gone.
        #expect(!FileManager.default.fileExists(atPath: workspace.appendingPathComponent("node-0/input.txt").path))
        #expect(!FileManager.default.fileExists(atPath: try #require(attempts[1]).workingDirectory.path))
    }
}

@Suite struct NodeLinePrefixerTests {
    @Test func wholeLinesOnlyEachWithItsRankAndTheRestAtTheEnd() {
        let prefixer = NodeLinePrefixer(rank: 2)
        #expect(prefixer.lines(.stdout, Data("a\nb".utf8)) == Data("[2] a\n".utf8))
        #expect(prefixer.lines(.stderr, Data("err\n".utf8)) == Data("[2] err\n".utf8))
        #expect(prefixer.lines(.stdout, Data("c\r\nd 10%\re".utf8)) == Data("[2] bc\r\n[2] d 10%\r".utf8))
        #expect(prefixer.unfinished == [.stdout])
        #expect(prefixer.rest(.stdout) == Data("[2] e".utf8))
        #expect(prefixer.rest(.stdout).isEmpty)
    }

    @Test func aVeryLongLineIsPassedOnUnfinishedAndContinuesWithoutAPrefix() {
        let prefixer = NodeLinePrefixer(rank: 0)
        let long = Data(repeating: UInt8(ascii: "x"), count: NodeLinePrefixer.longestHeldLine)
        #expect(prefixer.lines(.stdout, long) == Data("[0] ".utf8) + long)
        #expect(prefixer.lines(.stdout, Data("y\nz\n".utf8)) == Data("y\n[0] z\n".utf8))
    }
}
