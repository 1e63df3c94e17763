import AMECore
@testable import AMEEngine
import AMETestSupport
import Foundation
import Testing

/// Admission is the scheduler's decision, taken in one database transaction so that every
/// run agent (a process of its own) sees the same capacity.
@Suite struct AdmissionTests {
    let scratch: TemporaryDirectory
    let store: RunStore

    init() throws {
        scratch = try TemporaryDirectory(prefix: "admission")
        store = try RunStore(path: scratch.file("ame.sqlite"))
    }

    func insertRun(_ id: String, owner: String = "alice") throws {
        let manifest = Manifest(entries: [])
        let record = RunRecord(id: id, owner: owner, project: "p", task: "t", status: .queued, createdAt: Date(),
                               steps: [StepRecord(name: "t", status: .queued)])
        try store.insert(StoredRun(record: record, request: RunRequest(task: "t", manifest: manifest), task: TaskSpec(name: "t", runCommand: "true"),
                                   executor: .local, labels: [:], agentPID: nil, agentStartTime: nil, cancelRequested: false))
    }

    func admission(cpus: Int64 = 2, memory: Int64 = 8 << 30, gpus: [Int] = [], perUser: Int? = nil) -> Admission {
        Admission(store: store, capacity: Capacity(cpuMillis: cpus * 1000, memoryBytes: memory, gpus: gpus), maxConcurrentRunsPerUser: perUser)
    }

    @Test func admitsWhileCapacityLastsThenWaitsWithTheReason() throws {
        try insertRun("ra")
        try insertRun("rb")
        let admission = admission(cpus: 2)
        let request = ResourceRequest(cpuMillis: 2000, memoryBytes: 0, gpus: 0)
        #expect(try admission.tryAdmit(runID: "ra", step: "t", owner: "alice", request: request) == .admitted(gpus: []))
        guard case .waiting(let reason) = try admission.tryAdmit(runID: "rb", step: "t", owner: "alice", request: request) else {
            Issue.record("the second run was admitted beyond capacity")
            return
        }
        #expect(reason.contains("2 cpu"))
        #expect(reason.contains("ra"))
        try admission.release(runID: "ra", step: "t")
        #expect(try admission.tryAdmit(runID: "rb", step: "t", owner: "alice", request: request) == .admitted(gpus: []))
    }

    @Test func handsOutDistinctGPUs() throws {
        try insertRun("ra")
        try insertRun("rb")
        try insertRun("rc")
        let admission = admission(cpus: 8, gpus: [0, 1, 2])
        let two = ResourceRequest(cpuMillis: 1000, memoryBytes: 0, gpus: 2)
        let one = ResourceRequest(cpuMillis: 1000, memoryBytes: 0, gpus: 1)
        #expect(try admission.tryAdmit(runID: "ra", step: "t", owner: "alice", request: two) == .admitted(gpus: [0, 1]))
        #expect(try admission.tryAdmit(runID: "rb", step: "t", owner: "alice", request: one) == .admitted(gpus: [2]))
        if case .admitted = try admission.tryAdmit(runID: "rc", step: "t", owner: "alice", request: one) {
            Issue.record("a GPU was handed out twice")
        }
    }

    @Test func olderWaitersGoFirst() throws {
        for id in ["ra", "rb", "rc"] { try insertRun(id) }
        let admission = admission(cpus: 2)
        let full = ResourceRequest(cpuMillis: 2000, memoryBytes: 0, gpus: 0)
        let half = ResourceRequest(cpuMillis: 1000, memoryBytes: 0, gpus: 0)
        #expect(try admission.tryAdmit(runID: "ra", step: "t", owner: "alice", request: full) == .admitted(gpus: []))
        let start = Date()
        _ = try admission.tryAdmit(runID: "rb", step: "t", owner: "alice", request: full, now: start)
        _ = try admission.tryAdmit(runID: "rc", step: "t", owner: "alice", request: half, now: start.addingTimeInterval(1))
        try admission.release(runID: "ra", step: "t")
        // rc would fit, but rb has waited longer and fits too.
        guard case .waiting(let reason) = try admission.tryAdmit(runID: "rc", step: "t", owner: "alice", request: half, now: start.addingTimeInterval(2)) else {
            Issue.record("a later run overtook an earlier one")
            return
        }
        #expect(reason.contains("rb"))
        #expect(try admission.tryAdmit(runID: "rb", step: "t", owner: "alice", request: full, now: start.addingTimeInterval(3)) == .admitted(gpus: []))
    }

    @Test func perUserLimitQueuesWithTheLimitNamed() throws {
        for id in ["ra", "rb"] { try insertRun(id) }
        try insertRun("rc", owner: "bob")
        let admission = admission(cpus: 8, perUser: 1)
        let small = ResourceRequest(cpuMillis: 1000, memoryBytes: 0, gpus: 0)
        #expect(try admission.tryAdmit(runID: "ra", step: "t", owner: "alice", request: small) == .admitted(gpus: []))
        guard case .waiting(let reason) = try admission.tryAdmit(runID: "rb", step: "t", owner: "alice", request: small) else {
            Issue.record("alice exceeded her limit")
            return
        }
        #expect(reason.contains("limit 1"))
        #expect(try admission.tryAdmit(runID: "rc", step: "t", owner: "bob", request: small) == .admitted(gpus: []))
    }

    /// Bob queues a burst of runs, then Alice one: when capacity frees, Alice's run goes next
    /// (her turn: Bob was served last), not after Bob's whole burst.
    @Test func usersTakeTurnsWhenCapacityFrees() throws {
        let bobs = (1...5).map { "rbob\($0)" }
        for id in bobs { try insertRun(id, owner: "bob") }
        try insertRun("ralice", owner: "alice")
        let admission = admission(cpus: 1)
        let one = ResourceRequest(cpuMillis: 1000, memoryBytes: 0, gpus: 0)
        let start = Date()
        #expect(try admission.tryAdmit(runID: bobs[0], step: "t", owner: "bob", request: one, now: start) == .admitted(gpus: []))
        for (offset, id) in bobs.dropFirst().enumerated() {
            _ = try admission.tryAdmit(runID: id, step: "t", owner: "bob", request: one, now: start.addingTimeInterval(Double(offset + 1)))
        }
        _ = try admission.tryAdmit(runID: "ralice", step: "t", owner: "alice", request: one, now: start.addingTimeInterval(10))
        try admission.release(runID: bobs[0], step: "t")
        // Bob's next run has waited longer, but Bob had the last turn.
        guard case .waiting(let reason) = try admission.tryAdmit(runID: bobs[1], step: "t", owner: "bob", request: one, now: start.addingTimeInterval(11)) else {
            Issue.record("bob's burst held alice's run back")
            return
        }
        #expect(reason.contains("ralice"))
        #expect(try admission.tryAdmit(runID: "ralice", step: "t", owner: "alice", request: one, now: start.addingTimeInterval(12)) == .admitted(gpus: []))
        // Then Bob again: turns, not a new queue jump for Alice.
        try admission.release(runID: "ralice", step: "t")
        #expect(try admission.tryAdmit(runID: bobs[1], step: "t", owner: "bob", request: one, now: start.addingTimeInterval(13)) == .admitted(gpus: []))
    }

    /// While Bob holds capacity and Alice holds none, Alice's waiter goes first whatever the order.
    @Test func aUserHoldingNothingGoesBeforeOneHoldingSome() throws {
        for id in ["rb1", "rb2", "rb3"] { try insertRun(id, owner: "bob") }
        try insertRun("ra1", owner: "alice")
        let admission = admission(cpus: 2)
        let one = ResourceRequest(cpuMillis: 1000, memoryBytes: 0, gpus: 0)
        let start = Date()
        #expect(try admission.tryAdmit(runID: "rb1", step: "t", owner: "bob", request: one, now: start) == .admitted(gpus: []))
        #expect(try admission.tryAdmit(runID: "rb2", step: "t", owner: "bob", request: one, now: start) == .admitted(gpus: []))
        _ = try admission.tryAdmit(runID: "rb3", step: "t", owner: "bob", request: one, now: start.addingTimeInterval(1))
        _ = try admission.tryAdmit(runID: "ra1", step: "t", owner: "alice", request: one, now: start.addingTimeInterval(2))
        try admission.release(runID: "rb1", step: "t")
        if case .admitted = try admission.tryAdmit(runID: "rb3", step: "t", owner: "bob", request: one, now: start.addingTimeInterval(3)) {
            Issue.record("bob's third run went before alice's first")
        }
        #expect(try admission.tryAdmit(runID: "ra1", step: "t", owner: "alice", request: one, now: start.addingTimeInterval(4)) == .admitted(gpus: []))
    }
}
