import AMESystem
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Plays the kubelet for one Pod: schedules it on the one fake node (or says why not),
/// runs its init containers and then its containers as local processes, each in its own
/// mount namespace (`unshare --mount`) with every `emptyDir` a temporary folder
/// bind-mounted at its `mountPath`, resolves env and `secretKeyRef`s from stored Secrets
/// (waiting in `CreateContainerConfigError` while one is missing, as the kubelet does),
/// kills a container past its memory limit (`OOMKilled`, 137), enforces
/// `activeDeadlineSeconds`, and reports every step through the Pod's status.
final class PodRunner: @unchecked Sendable {
    let cluster: FakeKubernetes
    let namespace: String
    let name: String
    private let lock = NSLock()
    private var running: [String: ContainerProcesses] = [:]
    private var stopping: Stop?
    private var volumes: [String: URL] = [:]
    /// The emptyDirs, removed with the Pod (a claim's or the node's folder stays).
    private var temporaryVolumes = Set<String>()
    private var task: Task<Void, Never>?

    enum Stop: Equatable {
        case deleted(grace: Int)
        case deadline
    }

    init(cluster: FakeKubernetes, namespace: String, name: String) {
        self.cluster = cluster
        self.namespace = namespace
        self.name = name
    }

    func start() {
        let task = Task { await self.lifecycle() }
        lock.withLock { self.task = task }
    }

    var isRunningProcesses: Bool { lock.withLock { !running.isEmpty } }
    private var stopRequest: Stop? { lock.withLock { stopping } }

    /// Stops the Pod's containers: SIGTERM, then SIGKILL after `grace` seconds (or at once).
    func stop(_ reason: Stop) {
        let containers: [ContainerProcesses] = lock.withLock {
            if stopping == nil { stopping = reason }
            return Array(running.values)
        }
        let grace: Int
        switch reason {
        case .deleted(let seconds): grace = seconds
        case .deadline: grace = cluster.pod(namespace, name)?["spec"]["terminationGracePeriodSeconds"].int ?? 30
        }
        for container in containers {
            if grace == 0 { container.killAll() } else { container.terminate() }
        }
        guard grace > 0 else { return }
        Task {
            try? await Task.sleep(for: .seconds(grace))
            let left: [ContainerProcesses] = self.lock.withLock { Array(self.running.values) }
            for container in left { container.killAll() }
        }
    }

    /// Waits until the lifecycle has stopped (after `stop`).
    func finished() async {
        let task = lock.withLock { self.task }
        await task?.value
    }

    func cleanUp() {
        let folders = lock.withLock { volumes.filter { temporaryVolumes.contains($0.key) }.map(\.value) }
        for folder in folders { try? FileManager.default.removeItem(at: folder) }
    }

    // MARK: Lifecycle

    private func updateStatus(_ change: (inout JSON) -> Void) {
        cluster.state.update(.pods, namespace: namespace, name: name) { pod in
            var status = pod["status"]
            change(&status)
            pod["status"] = status
        }
    }

    private func setContainerStatus(_ container: String, init isInit: Bool, _ status: JSON) {
        updateStatus { podStatus in
            let key = isInit ? "initContainerStatuses" : "containerStatuses"
            var list = podStatus[key].array ?? []
            if let index = list.firstIndex(where: { $0["name"].string == container }) {
                list[index] = status
            } else {
                list.append(status)
            }
            podStatus[key] = .array(list)
        }
    }

    private func setCondition(_ type: String, _ value: Bool, reason: String? = nil, message: String? = nil) {
        updateStatus { status in
            var conditions = status["conditions"].array ?? []
            var condition: JSON = ["type": .string(type), "status": .string(value ? "True" : "False"),
                                   "lastTransitionTime": .string(FakeKubernetes.timestamp())]
            if let reason { condition["reason"] = .string(reason) }
            if let message { condition["message"] = .string(message) }
            if let index = conditions.firstIndex(where: { $0["type"].string == type }) {
                if conditions[index]["status"] == condition["status"] && conditions[index]["message"] == condition["message"] { return }
                conditions[index] = condition
            } else {
                conditions.append(condition)
            }
            status["conditions"] = .array(conditions)
        }
    }

    private static func containerStatus(_ spec: JSON, state: JSON, ready: Bool = false, started: Bool = false) -> JSON {
        ["name": spec["name"], "image": spec["image"], "imageID": "", "ready": .bool(ready), "restartCount": 0,
         "started": .bool(started), "state": state, "lastState": [:]]
    }

    private func lifecycle() async {
        try? await Task.sleep(for: .milliseconds(20))
        guard let pod = cluster.pod(namespace, name) else { return }
        let initContainers = pod["spec"]["initContainers"].array ?? []
        let containers = pod["spec"]["containers"].array ?? []

        // As the scheduler: a gated Pod waits until whoever gated it (Kueue) lifts its gates.
        if !(pod["spec"]["schedulingGates"].array ?? []).isEmpty {
            setCondition("PodScheduled", false, reason: "SchedulingGated", message: "Scheduling is blocked due to non-empty scheduling gates")
            return
        }
        if let reason = cluster.node.unschedulableReason(pod) {
            setCondition("PodScheduled", false, reason: "Unschedulable", message: reason)
            return
        }
        cluster.state.update(.pods, namespace: namespace, name: name) { pod in
            pod["spec"]["nodeName"] = .string(cluster.node.name)
        }
        let started = Date()
        let address = cluster.allocatePodAddress()
        updateStatus { status in
            status["phase"] = "Pending"
            status["hostIP"] = "127.0.0.1"
            status["podIP"] = .string(address)
            status["podIPs"] = [["ip": .string(address)]]
            status["startTime"] = .string(FakeKubernetes.timestamp(started))
            let waitingInit: JSON = ["waiting": ["reason": "PodInitializing"]]
            if !initContainers.isEmpty {
                status["initContainerStatuses"] = .array(initContainers.map { Self.containerStatus($0, state: waitingInit) })
            }
            let waiting: JSON = initContainers.isEmpty ? ["waiting": ["reason": "ContainerCreating"]] : waitingInit
            status["containerStatuses"] = .array(containers.map { Self.containerStatus($0, state: waiting) })
        }
        setCondition("PodScheduled", true)
        // Its name under a headless Service resolves now that it has an address.
        cluster.refreshHosts(namespace)
        setCondition("Initialized", initContainers.isEmpty, reason: initContainers.isEmpty ? nil : "ContainersNotInitialized",
                     message: initContainers.isEmpty ? nil : "containers with incomplete status: [\(initContainers.compactMap { $0["name"].string }.joined(separator: " "))]")
        setCondition("ContainersReady", false, reason: "ContainersNotReady")
        setCondition("Ready", false, reason: "ContainersNotReady")

        var deadline: Task<Void, Never>?
        if let seconds = pod["spec"]["activeDeadlineSeconds"].int {
            deadline = Task {
                try? await Task.sleep(for: .seconds(seconds))
                guard !Task.isCancelled else { return }
                // As the kubelet: the Pod is failed with its reason first, then its containers are killed.
                self.markDeadlineExceeded()
                self.stop(.deadline)
            }
        }
        defer { deadline?.cancel() }

        // Volumes: a fresh folder per emptyDir; a claim's folder; the node's folder for a hostPath.
        for volume in pod["spec"]["volumes"].array ?? [] {
            guard let volumeName = volume["name"].string else { continue }
            if !volume["emptyDir"].isNull {
                let folder = cluster.scratch.appendingPathComponent("\(namespace)-\(name)-\(volumeName)-\(UUID().uuidString.prefix(6))")
                try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                lock.withLock { volumes[volumeName] = folder; temporaryVolumes.insert(volumeName) }
            } else if let claim = volume["persistentVolumeClaim"]["claimName"].string {
                guard let folder = cluster.options.persistentVolumeClaims[claim] else {
                    return failToStart("persistentvolumeclaim \"\(claim)\" not found")
                }
                lock.withLock { volumes[volumeName] = folder }
            } else if let path = volume["hostPath"]["path"].string {
                guard let root = cluster.options.hostPathRoot else { return failToStart("hostPath volumes are not allowed on this node") }
                let folder = root.appendingPathComponent(String(path.drop { $0 == "/" }))
                if volume["hostPath"]["type"].string == "DirectoryOrCreate" {
                    try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                }
                lock.withLock { volumes[volumeName] = folder }
            }
        }

        for container in initContainers {
            guard let terminated = await runContainer(container, isInit: true, pod: pod) else { return finishStopped() }
            if terminated["exitCode"].int != 0 {
                updateStatus { $0["phase"] = "Failed" }
                if stopRequest == .deadline { markDeadlineExceeded() }
                return
            }
        }
        setCondition("Initialized", true)
        updateStatus { status in
            status["containerStatuses"] = .array(containers.map { Self.containerStatus($0, state: ["waiting": ["reason": "ContainerCreating"]]) })
        }

        let results = await withTaskGroup(of: JSON?.self) { group -> [JSON?] in
            for container in containers {
                group.addTask { await self.runContainer(container, isInit: false, pod: pod) }
            }
            var results: [JSON?] = []
            for await result in group { results.append(result) }
            return results
        }
        guard !results.contains(where: { $0 == nil }) else { return finishStopped() }
        let succeeded = results.allSatisfy { $0?["exitCode"].int == 0 }
        setCondition("ContainersReady", false, reason: "PodCompleted")
        setCondition("Ready", false, reason: "PodCompleted")
        if stopRequest == .deadline {
            markDeadlineExceeded()
        } else {
            updateStatus { $0["phase"] = .string(succeeded ? "Succeeded" : "Failed") }
        }
    }

    /// The Pod cannot start (a volume that does not exist): Failed, saying why.
    private func failToStart(_ message: String) {
        updateStatus { status in
            status["phase"] = "Failed"
            status["reason"] = "FailedMount"
            status["message"] = .string("Unable to attach or mount volumes: \(message)")
        }
    }

    private func markDeadlineExceeded() {
        updateStatus { status in
            status["phase"] = "Failed"
            status["reason"] = "DeadlineExceeded"
            status["message"] = "Pod was active on the node longer than the specified deadline"
        }
    }

    private func finishStopped() {
        if stopRequest == .deadline {
            markDeadlineExceeded()
        }
    }

    // MARK: Containers

    struct ConfigError: Error {
        var message: String
    }

    /// The container's environment, as the kubelet builds it: literal values (with `$(VAR)`
    /// expansion over the variables before them), Secret keys and the Pod's own fields.
    private func environment(_ container: JSON) -> Result<[String: String], ConfigError> {
        var env: [String: String] = [:]
        let pod = cluster.pod(namespace, name) ?? [:]
        for variable in container["env"].array ?? [] {
            guard let key = variable["name"].string else { continue }
            if let value = variable["value"].string {
                env[key] = Expansion.expand(value, env)
            } else if !variable["valueFrom"]["secretKeyRef"].isNull {
                let reference = variable["valueFrom"]["secretKeyRef"]
                let secretName = reference["name"].string ?? ""
                let secretKey = reference["key"].string ?? ""
                let optional = reference["optional"].bool ?? false
                guard let secret = cluster.state.get(.secrets, namespace: namespace, name: secretName) else {
                    if optional { continue }
                    return .failure(ConfigError(message: "secret \"\(secretName)\" not found"))
                }
                guard let encoded = secret["data"][secretKey].string, let data = Data(base64Encoded: encoded) else {
                    if optional { continue }
                    return .failure(ConfigError(message: "couldn't find key \(secretKey) in Secret \(namespace)/\(secretName)"))
                }
                env[key] = String(decoding: data, as: UTF8.self)
            } else if let path = variable["valueFrom"]["fieldRef"]["fieldPath"].string {
                env[key] = PodValidation.fieldValue(path, of: pod) ?? ""
            } else {
                env[key] = ""
            }
        }
        return .success(env)
    }

    /// Runs one container to its end; nil when the Pod was stopped before it could start.
    private func runContainer(_ container: JSON, isInit: Bool, pod: JSON) async -> JSON? {
        let containerName = container["name"].string ?? "container"
        // Wait, as the kubelet does, until the env can be built (a Secret may appear).
        var env: [String: String] = [:]
        while true {
            if stopRequest != nil { return nil }
            switch environment(container) {
            case .success(let resolved):
                env = resolved
            case .failure(let error):
                setContainerStatus(containerName, init: isInit, Self.containerStatus(container, state: [
                    "waiting": ["reason": "CreateContainerConfigError", "message": .string(error.message)],
                ]))
                try? await Task.sleep(for: cluster.configRetryInterval)
                continue
            }
            break
        }

        let log = cluster.log(namespace, name, containerName)
        let mounts: [(URL, String)] = (container["volumeMounts"].array ?? []).compactMap { mount in
            guard let volume = mount["name"].string, let path = mount["mountPath"].string,
                  var folder = lock.withLock({ volumes[volume] }) else { return nil }
            // As the kubelet: a subPath is created when missing.
            if let subPath = mount["subPath"].string, !subPath.isEmpty {
                folder = folder.appendingPathComponent(subPath)
                try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            }
            return (folder, path)
        }.sorted { $0.1.count < $1.1.count }
        // The termination message: a file of its own, bind-mounted at its path when that
        // lies in a volume (the harness cannot add files to the host's /dev).
        let messagePath = container["terminationMessagePath"].string ?? "/dev/termination-log"
        let messageFile = cluster.scratch.appendingPathComponent("termination-\(name)-\(containerName)-\(UUID().uuidString.prefix(6))")
        _ = FileManager.default.createFile(atPath: messageFile.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: messageFile) }
        let messageMounted = mounts.contains { messagePath.hasPrefix($0.1 + "/") }

        var script = "set -e\n"
        for (folder, path) in mounts {
            // A mount point must exist; creating an empty folder on the host is the harness's one trace.
            try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            script += "mount --bind \(Self.quote(folder.path)) \(Self.quote(path))\n"
        }
        if messageMounted {
            script += ": > \(Self.quote(messagePath)) 2>/dev/null || true\nmount --bind \(Self.quote(messageFile.path)) \(Self.quote(messagePath))\n"
        }
        if pod["spec"]["hostname"].string != nil, pod["spec"]["subdomain"].string != nil {
            script += "mount --bind \(Self.quote(cluster.hostsFile(namespace, name).path)) /etc/hosts\n"
        }
        if let directory = container["workingDir"].string {
            script += "mkdir -p \(Self.quote(directory))\ncd \(Self.quote(directory))\n"
        }
        script += "exec \"$@\"\n"

        var variables = env
        variables["HOSTNAME"] = variables["HOSTNAME"] ?? name
        let command = ((container["command"].array ?? []) + (container["args"].array ?? [])).compactMap(\.string)
            .map { Expansion.expand($0, env) }
        var processEnvironment = cluster.nodeEnvironment
        for (key, value) in variables { processEnvironment[key] = value }

        var descriptors: [Int32] = [0, 0]
        guard pipe(&descriptors) == 0 else { return nil }
        var configuration = ChildProcess.Configuration(
            executable: "/usr/bin/unshare", arguments: ["--mount", "--propagation", "private", "/bin/sh", "-c", script, containerName] + command,
            environment: processEnvironment, workingDirectory: "/")
        configuration.standardOutput = .fileDescriptor(descriptors[1])
        configuration.standardError = .fileDescriptor(descriptors[1])
        configuration.newSession = true
        let startedAt = FakeKubernetes.timestamp()
        let child: ChildProcess
        do {
            child = try ChildProcess.spawn(configuration)
        } catch {
            close(descriptors[0])
            close(descriptors[1])
            let state: JSON = ["terminated": ["exitCode": 128, "reason": "StartError", "message": .string("\(error)"),
                                              "startedAt": .string(startedAt), "finishedAt": .string(startedAt)]]
            setContainerStatus(containerName, init: isInit, Self.containerStatus(container, state: state))
            return state["terminated"]
        }
        close(descriptors[1])
        let processes = ContainerProcesses(root: child.pid)
        let stopNow: Bool = lock.withLock {
            running[containerName] = processes
            return stopping != nil
        }
        if stopNow { processes.killAll() }
        let containerID = "harness://\(UUID().uuidString.lowercased())"
        var runningStatus = Self.containerStatus(container, state: ["running": ["startedAt": .string(startedAt)]], ready: !isInit, started: true)
        runningStatus["containerID"] = .string(containerID)
        setContainerStatus(containerName, init: isInit, runningStatus)
        if !isInit {
            updateStatus { $0["phase"] = "Running" }
            setCondition("ContainersReady", true)
            setCondition("Ready", true)
        }

        let reader = FileHandle(fileDescriptor: descriptors[0], closeOnDealloc: true)
        let pump = Task.detached {
            for await chunk in PipeReader.chunks(of: reader) { log.append(chunk) }
        }
        let oomKilled = Locked(false)
        let limit = HarnessQuantity.value(container["resources"]["limits"]["memory"])
        // Samples the container's processes (to know them all when it ends) and, with a
        // memory limit, kills them all past it, as the kernel's OOM killer in the cgroup.
        let watchdog = Task.detached { [interval = cluster.memorySampleInterval] in
            while !Task.isCancelled {
                let used = processes.sample()
                if let limit, Double(used) > limit {
                    oomKilled.set(true)
                    processes.killAll()
                    return
                }
                try? await Task.sleep(for: interval)
            }
        }
        let status = await child.waitForExit()
        watchdog.cancel()
        // Whatever the container started goes with it, as with a container's cgroup.
        processes.killAll()
        await pump.value
        log.end()
        lock.withLock { running[containerName] = nil }

        var exitCode = Int(status.exitCode)
        var reason = exitCode == 0 ? "Completed" : "Error"
        if oomKilled.value {
            exitCode = 137
            reason = "OOMKilled"
        }
        var message = String(decoding: (FileManager.default.contents(atPath: messageFile.path) ?? Data()).prefix(4096), as: UTF8.self)
        if message.isEmpty, exitCode != 0, container["terminationMessagePolicy"].string == "FallbackToLogsOnError" {
            let lines = log.text.split(separator: "\n", omittingEmptySubsequences: false).suffix(80).joined(separator: "\n")
            message = String(lines.suffix(2048))
        }
        var terminated: JSON = ["exitCode": .number(Double(exitCode)), "reason": .string(reason),
                                "startedAt": .string(startedAt), "finishedAt": .string(FakeKubernetes.timestamp()),
                                "containerID": .string(containerID)]
        if !message.isEmpty { terminated["message"] = .string(message) }
        var final = Self.containerStatus(container, state: ["terminated": terminated], started: false)
        final["containerID"] = .string(containerID)
        setContainerStatus(containerName, init: isInit, final)
        return terminated
    }

    static func quote(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
