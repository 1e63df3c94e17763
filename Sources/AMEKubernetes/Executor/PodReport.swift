import AMECore
import AMEEngine
import Foundation

/// Reads what a Pod's status says about the attempt: still starting (and why), unable to
/// start, or finished and how. Pure, so every status shape has a unit test.
enum PodReport {
    static let initName = PodTranslator.initContainerName
    static let mainName = PodTranslator.mainContainerName

    /// Waiting reasons that will not fix themselves: the attempt fails at once.
    static let fatalWaitingReasons: Set<String> = [
        "CreateContainerConfigError", "CreateContainerError", "InvalidImageName", "ErrImageNeverPull", "RunContainerError",
    ]
    /// Waiting reasons that may pass (a registry hiccup): failed after a grace period.
    static let slowWaitingReasons: Set<String> = ["ErrImagePull", "ImagePullBackOff", "RegistryUnavailable"]

    struct StartProblem: Equatable {
        var container: String
        var reason: String
        var message: String?
        var fatal: Bool

        /// "Kubernetes could not start the step's container: CreateContainerConfigError: secret "x" not found".
        var sentence: String {
            let which = container == PodReport.initName ? "AME's init container" : "the step's container"
            return "Kubernetes could not start \(which): \(reason)" + (message.map { ": \($0)" } ?? "")
        }
    }

    static func status(of container: String, in pod: Pod) -> ContainerStatus? {
        let statuses = container == initName ? pod.status?.initContainerStatuses : pod.status?.containerStatuses
        return statuses?.first { $0.name == container }
    }

    static func startProblem(_ pod: Pod) -> StartProblem? {
        for name in [initName, mainName] {
            guard let waiting = status(of: name, in: pod)?.state?.waiting, let reason = waiting.reason else { continue }
            if fatalWaitingReasons.contains(reason) {
                return StartProblem(container: name, reason: reason, message: waiting.message, fatal: true)
            }
            if slowWaitingReasons.contains(reason) {
                return StartProblem(container: name, reason: reason, message: waiting.message, fatal: false)
            }
        }
        return nil
    }

    /// Why the Pod has no node yet ("0/3 nodes are available: 3 Insufficient nvidia.com/gpu").
    static func schedulingProblem(_ pod: Pod) -> String? {
        guard let condition = pod.status?.conditions?.first(where: { $0.type == "PodScheduled" }), condition.status == "False" else {
            return nil
        }
        return condition.message ?? condition.reason
    }

    static func hasStarted(_ container: String, in pod: Pod) -> Bool {
        guard let state = status(of: container, in: pod)?.state else { return false }
        return state.running != nil || state.terminated != nil
    }

    static func hasEnded(_ container: String, in pod: Pod) -> Bool {
        status(of: container, in: pod)?.state?.terminated != nil
    }

    static func isFinished(_ pod: Pod) -> Bool {
        let phase = pod.status?.phase
        return phase == "Succeeded" || phase == "Failed" || hasEnded(mainName, in: pod)
    }

    /// How a finished Pod's attempt ended, with the agent's report when it made one.
    static func result(_ pod: Pod, memoryLimit: Quantity?) -> (AttemptResult, AgentResult?) {
        let main = status(of: mainName, in: pod)?.state?.terminated
        let agent = main?.message.flatMap { try? JSONDecoder().decode(AgentResult.self, from: Data($0.utf8)) }
        let limit = memoryLimit.map { " of its \($0) memory limit" } ?? ""

        if pod.status?.reason == "DeadlineExceeded" {
            let deadline = pod.spec.activeDeadlineSeconds.map { "after \(DurationText.format(seconds: $0))" } ?? "at its deadline"
            return (AttemptResult(outcome: .timedOut, exitCode: 124, reason: "killed: timed out \(deadline) (Kubernetes: DeadlineExceeded)"), agent)
        }
        if let terminated = status(of: initName, in: pod)?.state?.terminated, terminated.exitCode != 0 {
            if terminated.reason == "OOMKilled" {
                return (AttemptResult(outcome: .failedToStart, exitCode: 1,
                                      reason: "AME's init container ran out of memory fetching the project (raise AME_KUBERNETES init resources)"), nil)
            }
            let said = terminated.message.map { ": " + lastLines($0) } ?? ""
            return (AttemptResult(outcome: .failedToStart, exitCode: 1,
                                  reason: "could not fetch the project into the Pod (init container exit code \(terminated.exitCode))\(said)"), nil)
        }
        if let problem = startProblem(pod) {
            return (AttemptResult(outcome: .failedToStart, exitCode: 1, reason: problem.sentence), nil)
        }
        guard let main else {
            if pod.status?.reason == "Evicted" {
                return (AttemptResult(outcome: .lost, exitCode: 1, reason: "Kubernetes evicted the Pod: \(pod.status?.message ?? "no reason given")"), nil)
            }
            return (AttemptResult(outcome: .lost, exitCode: 1, reason: "the Pod ended before the step's container ran (\(pod.status?.phase ?? "no phase"))"), nil)
        }
        if main.reason == "OOMKilled" || (main.exitCode == 137 && agent?.outOfMemory == true) {
            return (AttemptResult(outcome: .outOfMemory, exitCode: 137, reason: "killed: out of memory (used all\(limit); Kubernetes reported OOMKilled)"), agent)
        }
        if let agent, agent.stage != .command {
            return (AttemptResult(outcome: .failedToStart, exitCode: agent.exitCode == 0 ? 1 : agent.exitCode,
                                  reason: agent.error ?? "the step could not start (\(agent.stage.rawValue))"), agent)
        }
        if main.exitCode == 0 { return (AttemptResult(outcome: .exited, exitCode: 0), agent) }
        let how: String
        if let signal = agent?.signal {
            how = "killed by SIG\(signal)"
        } else if let reason = main.reason, reason != "Error" {
            how = "exit code \(main.exitCode) (\(reason))"
        } else {
            how = "exit code \(main.exitCode)"
        }
        return (AttemptResult(outcome: .exited, exitCode: main.exitCode, reason: how), agent)
    }

    /// The end of a message made from logs (FallbackToLogsOnError), on one line.
    static func lastLines(_ text: String) -> String {
        let lines = text.split(separator: "\n").suffix(3).map { $0.trimmingCharacters(in: .whitespaces) }
        return lines.joined(separator: " / ")
    }
}
