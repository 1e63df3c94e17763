@testable import AMEKubernetes
import AMECore
import AMEEngine
import Foundation
import Testing

@Suite("Reading a Pod's status")
struct PodReportTests {
    static func pod(phase: String, reason: String? = nil, initState: ContainerState? = nil, mainState: ContainerState?,
                    deadline: Int? = nil) -> Pod {
        var pod = Pod(metadata: ObjectMeta(name: "p"), spec: PodSpec(containers: []))
        pod.spec.activeDeadlineSeconds = deadline
        var status = PodStatus(phase: phase)
        status.reason = reason
        if let initState {
            status.initContainerStatuses = [ContainerStatus(name: "ame-init", state: initState)]
        }
        if let mainState {
            status.containerStatuses = [ContainerStatus(name: "main", state: mainState)]
        }
        pod.status = status
        return pod
    }

    static func terminated(_ code: Int32, reason: String? = nil, message: String? = nil) -> ContainerState {
        ContainerState(terminated: ContainerState.Terminated(exitCode: code, reason: reason, message: message))
    }

    static func waiting(_ reason: String, _ message: String? = nil) -> ContainerState {
        ContainerState(waiting: ContainerState.Waiting(reason: reason, message: message))
    }

    @Test("OOMKilled is out of memory, whatever the exit code")
    func oomKilled() {
        let (result, _) = PodReport.result(Self.pod(phase: "Failed", mainState: Self.terminated(137, reason: "OOMKilled")),
                                           memoryLimit: Quantity.bytes(256 << 20))
        #expect(result.outcome == .outOfMemory)
        #expect(result.exitCode == 137)
        #expect(result.reason?.contains("256Mi") == true)
    }

    @Test("exit 137 is out of memory only with an OOM reason from the agent")
    func exit137() throws {
        let report = String(decoding: try JSONEncoder().encode(AgentResult(stage: .command, exitCode: 137, signal: "KILL", outOfMemory: true)), as: UTF8.self)
        let (oom, _) = PodReport.result(Self.pod(phase: "Failed", mainState: Self.terminated(137, reason: "Error", message: report)), memoryLimit: nil)
        #expect(oom.outcome == .outOfMemory)
        let killed = String(decoding: try JSONEncoder().encode(AgentResult(stage: .command, exitCode: 137, signal: "KILL")), as: UTF8.self)
        let (plain, _) = PodReport.result(Self.pod(phase: "Failed", mainState: Self.terminated(137, reason: "Error", message: killed)), memoryLimit: nil)
        #expect(plain.outcome == .exited)
        #expect(plain.reason == "killed by SIGKILL")
    }

    @Test("a missing Secret is a start failure naming Kubernetes' reason")
    func configError() {
        let pod = Self.pod(phase: "Pending", initState: Self.terminated(0, reason: "Completed"),
                           mainState: Self.waiting("CreateContainerConfigError", "secret \"ame-r1-secret-db\" not found"))
        let problem = PodReport.startProblem(pod)
        #expect(problem?.fatal == true)
        #expect(problem?.sentence == "Kubernetes could not start the step's container: CreateContainerConfigError: secret \"ame-r1-secret-db\" not found")
        #expect(PodReport.startProblem(Self.pod(phase: "Pending", mainState: Self.waiting("ImagePullBackOff")))?.fatal == false)
        #expect(PodReport.startProblem(Self.pod(phase: "Pending", mainState: Self.waiting("ContainerCreating"))) == nil)
    }

    @Test("DeadlineExceeded is a timeout; a failed init container a failure to start; exit codes pass through")
    func otherEndings() {
        let (timeout, _) = PodReport.result(Self.pod(phase: "Failed", reason: "DeadlineExceeded", mainState: Self.terminated(143)), memoryLimit: nil)
        #expect(timeout.outcome == .timedOut)
        #expect(timeout.exitCode == 124)
        let (initFailed, _) = PodReport.result(Self.pod(phase: "Failed", initState: Self.terminated(1, reason: "Error", message: "line one\nblob abc not found\n"),
                                                        mainState: Self.waiting("PodInitializing")), memoryLimit: nil)
        #expect(initFailed.outcome == .failedToStart)
        #expect(initFailed.reason?.contains("blob abc not found") == true)
        let (exited, _) = PodReport.result(Self.pod(phase: "Failed", mainState: Self.terminated(3, reason: "Error")), memoryLimit: nil)
        #expect(exited == AttemptResult(outcome: .exited, exitCode: 3, reason: "exit code 3"))
        let (succeeded, _) = PodReport.result(Self.pod(phase: "Succeeded", mainState: Self.terminated(0, reason: "Completed")), memoryLimit: nil)
        #expect(succeeded.succeeded)
    }

    @Test("an unschedulable Pod says why")
    func unschedulable() {
        var pod = Self.pod(phase: "Pending", mainState: nil)
        pod.status?.conditions = [PodStatus.PodCondition(type: "PodScheduled", status: "False", reason: "Unschedulable",
                                                         message: "0/3 nodes are available: 3 Insufficient nvidia.com/gpu.")]
        #expect(PodReport.schedulingProblem(pod) == "0/3 nodes are available: 3 Insufficient nvidia.com/gpu.")
    }

    @Test("log timestamps compare exactly, with Go's trimmed fractions")
    func timestamps() throws {
        let a = try #require(LogTimestamp("2024-05-01T12:00:00.1Z"))
        let b = try #require(LogTimestamp("2024-05-01T12:00:00.12Z"))
        let c = try #require(LogTimestamp("2024-05-01T12:00:01Z"))
        #expect(a < b && b < c)
        #expect(LogTimestamp(a.description) == a)
        let (stamp, rest) = LogTimestamp.split(Data("2024-05-01T12:00:00.5Z hello world\n".utf8))
        #expect(stamp != nil && rest == Data("hello world\n".utf8))
    }
}
