/// The one node of the fake cluster: what it offers, its labels and taints, so that the
/// scheduler's answers (`Unschedulable` and why) can be tested.
public struct FakeNode: Sendable {
    public var name = "harness-node"
    public var labels: [String: String] = ["kubernetes.io/hostname": "harness-node"]
    /// `key` / `value` / `effect` (`NoSchedule`).
    public var taints: [(key: String, value: String?, effect: String)] = []
    /// Allocatable amounts in base units (cores, bytes, devices).
    public var allocatable: [String: Double] = ["cpu": 64, "memory": 256 * 1_073_741_824, "ephemeral-storage": 1_099_511_627_776, "pods": 110]

    public init() {}

    /// Why the Pod cannot go on this node, in the scheduler's words; nil when it fits.
    func unschedulableReason(_ pod: JSON) -> String? {
        var requests: [String: Double] = [:]
        for container in pod["spec"]["containers"].array ?? [] {
            for (key, value) in effectiveRequests(container) { requests[key, default: 0] += value }
        }
        for container in pod["spec"]["initContainers"].array ?? [] {
            for (key, value) in effectiveRequests(container) { requests[key] = max(requests[key] ?? 0, value) }
        }
        var problems: [String] = []
        for (resource, amount) in requests.sorted(by: { $0.key < $1.key }) where amount > (allocatable[resource] ?? 0) {
            problems.append("1 Insufficient \(resource)")
        }
        let tolerations = pod["spec"]["tolerations"].array ?? []
        for taint in taints where taint.effect == "NoSchedule" || taint.effect == "NoExecute" {
            let tolerated = tolerations.contains { toleration in
                let keyMatches = toleration["key"].string == nil || toleration["key"].string == taint.key
                let valueMatches = toleration["operator"].string == "Exists" || toleration["value"].string == taint.value
                let effectMatches = toleration["effect"].string == nil || toleration["effect"].string == taint.effect
                return keyMatches && valueMatches && effectMatches
            }
            if !tolerated { problems.append("1 node(s) had untolerated taint {\(taint.key): \(taint.value ?? "")}") }
        }
        let terms = pod["spec"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"].array ?? []
        if !terms.isEmpty && !terms.contains(where: matches) {
            problems.append("1 node(s) didn't match Pod's node affinity/selector")
        }
        for (key, value) in pod["spec"]["nodeSelector"].object ?? [:] where labels[key] != value.string {
            problems.append("1 node(s) didn't match Pod's node affinity/selector")
        }
        guard !problems.isEmpty else { return nil }
        return "0/1 nodes are available: \(Array(Set(problems)).sorted().joined(separator: ", ")). "
            + "preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling."
    }

    /// Requests, or the limits where no request is given (as the API server defaults them).
    private func effectiveRequests(_ container: JSON) -> [String: Double] {
        var result: [String: Double] = [:]
        for (key, value) in container["resources"]["limits"].object ?? [:] { result[key] = HarnessQuantity.value(value) }
        for (key, value) in container["resources"]["requests"].object ?? [:] { result[key] = HarnessQuantity.value(value) }
        return result
    }

    private func matches(_ term: JSON) -> Bool {
        (term["matchExpressions"].array ?? []).allSatisfy { expression in
            let key = expression["key"].string ?? ""
            let values = (expression["values"].array ?? []).compactMap(\.string)
            let label = labels[key]
            switch expression["operator"].string {
            case "In": return label.map(values.contains) ?? false
            case "NotIn": return label.map { !values.contains($0) } ?? true
            case "Exists": return label != nil
            case "DoesNotExist": return label == nil
            case "Gt", "Lt":
                // Both sides must be integers; the label's value against the one given.
                guard let have = label.flatMap({ Int64($0) }), let bound = values.first.flatMap({ Int64($0) }) else { return false }
                return expression["operator"].string == "Gt" ? have > bound : have < bound
            default: return false
            }
        }
    }
}
