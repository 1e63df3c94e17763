import AMECore
import Foundation

extension Engine {
    /// Checks a run request completely and stores it as a queued run. Everything that can
    /// be known to fail (a broken ame.yaml, an unknown task, a missing secret, more GPUs
    /// than exist) fails here, before anything starts.
    public func submit(_ request: RunRequest, owner: String, executor: ExecutorKind = .local) throws -> StoredRun {
        try RequestLimits.check(request)
        do {
            try request.manifest.validate()
        } catch {
            throw APIError(.invalidRequest, "the project manifest is invalid: \(error)")
        }
        if let limit = configuration.maxQueuedRunsPerUser {
            let active = try store.activeRunCount(owner: owner)
            guard active < limit else {
                throw APIError(.limitExceeded, "\(owner) already has \(active) runs queued or running (the limit is \(limit))",
                               hint: "wait for some to finish, or cancel some ('ame runs --status queued')")
            }
        }
        // Only blobs the owner proved to hold: a digest seen elsewhere gives no access to them.
        let missing = try missingBlobs(Array(request.manifest.digests), owner: owner)
        guard missing.isEmpty else {
            throw APIError(.invalidRequest, "\(missing.count) file\(missing.count == 1 ? "" : "s") of the project \(missing.count == 1 ? "was" : "were") not uploaded",
                           hint: "upload the blobs the missing-check returns before submitting")
        }
        // The secret env is sealed apart from the request: what is stored never holds it.
        let secretEnv = request.secretEnv ?? []
        for variable in secretEnv where !EnvVar.isValidKey(variable.key) {
            throw APIError(.invalidRequest, "'\(variable.key)' is not a valid environment variable name",
                           hint: "use letters, digits and underscores, not starting with a digit")
        }
        if let seconds = request.idleTimeoutSeconds, seconds <= 0 {
            throw APIError(.invalidRequest, "idleTimeoutSeconds must be 1 or more", hint: "leave it out for a service that runs until cancelled")
        }
        var request = request
        request.secretEnv = nil
        // The env keys were checked above (RequestLimits), the secret env's among them.
        if let packages = request.extraPackages {
            for package in packages where package.trimmingCharacters(in: .whitespaces).isEmpty || package.hasPrefix("-") || package.contains("\n") {
                throw APIError(.invalidRequest, "'\(package)' is not a package requirement",
                               hint: "give requirement specifiers such as 'jupyterlab' or 'jupyterlab>=4'")
            }
        }
        let project = try loadProject(request)
        // Hook files that plugins put in the project (.ame/hooks/) must be readable now,
        // not fail every step later.
        _ = try RunHooks.load(request.manifest, read: blobs.read)
        var task = try resolveTask(request, in: project)
        task = Self.applyOverrides(request, to: task)
        task = applyDefaults(to: task)
        try checkResources(task)
        if !request.ports.isEmpty, let multi = task.effectiveSteps.first(where: { $0.nodeCount > 1 }) {
            throw APIError(.invalidRequest, "task '\(task.name)' runs on \(multi.nodeCount) nodes, but a service (with ports) runs on one",
                           hint: "remove 'nodes' from the task, or run it without ports")
        }
        try checkSecrets(task, owner: owner)

        let steps = task.effectiveSteps.map { StepRecord(name: $0.name, status: .queued, needs: $0.needs ?? []) }
        let record = RunRecord(id: RunID.make(), owner: owner, project: project.projectName, task: task.name, status: .queued,
                               reason: "queued", createdAt: Date(), steps: steps, ports: request.ports.isEmpty ? task.ports : request.ports)
        var run = StoredRun(record: record, request: request, task: task, executor: executor, labels: request.labels,
                            agentPID: nil, agentStartTime: nil, cancelRequested: false)
        run.record.labels = request.labels
        try store.insert(run)
        do {
            try vault.setRunSecrets(runID: run.id, secretEnv)
        } catch {
            try? store.setStatus(run.id, .failed, reason: "could not seal the run's secret env: \(error)", exitCode: 1)
            throw APIError(.internal, "could not seal the run's secret env: \(error)")
        }
        return run
    }

    func loadProject(_ request: RunRequest) throws -> ProjectFile {
        guard let entry = request.manifest.entry(at: request.projectFile), let digest = entry.digest else {
            throw APIError(.invalidProject, "the project has no \(request.projectFile)",
                           hint: "run 'ame create project' in the project directory")
        }
        let data = try blobs.read(digest)
        guard let text = String(data: data, encoding: .utf8) else {
            throw APIError(.invalidProject, "\(request.projectFile) is not UTF-8 text")
        }
        let result = ProjectFileDecoder(source: text, file: request.projectFile).decode()
        guard let project = result.project, result.errors.isEmpty else {
            let count = result.errors.count
            throw APIError(.invalidProject, "\(request.projectFile) has \(count) error\(count == 1 ? "" : "s")",
                           hint: "run 'ame validate' to see them", diagnostics: result.diagnostics)
        }
        return project
    }

    func resolveTask(_ request: RunRequest, in project: ProjectFile) throws -> TaskSpec {
        if let task = project.task(named: request.task) { return task }
        if let command = request.command {
            // An ad-hoc run (a plugin's service, say): a task of its own.
            return TaskSpec(name: request.task, runCommand: command)
        }
        let unknown = UnknownTask(request.task, in: request.projectFile, tasks: project.taskNames)
        throw APIError(.notFound, unknown.message, hint: unknown.hint)
    }

    static func applyOverrides(_ request: RunRequest, to original: TaskSpec) -> TaskSpec {
        var task = original
        if let command = request.command, task.pipeline == nil { task.runCommand = command }
        if !request.env.isEmpty {
            // `--env` wins over the task and over each step.
            task.env = EnvVar.mergedList(base: task.env, overrides: request.env)
            task.pipeline = task.pipeline?.map { step in
                var step = step
                step.env = EnvVar.mergedList(base: step.env, overrides: request.env)
                return step
            }
        }
        if let override = request.resources {
            func merge(_ resources: Resources) -> Resources {
                Resources(cpu: override.cpu ?? resources.cpu, memory: override.memory ?? resources.memory,
                          storage: override.storage ?? resources.storage, gpus: override.gpus ?? resources.gpus,
                          vram: override.vram ?? resources.vram)
            }
            task.resources = merge(task.resources)
            task.pipeline = task.pipeline?.map { step in
                var step = step
                step.resources = merge(step.resources)
                return step
            }
        }
        if !request.ports.isEmpty { task.ports = request.ports }
        if let dependencies = request.dependencies {
            task.dependencies = dependencies
            task.pipeline = task.pipeline?.map { step in
                var step = step
                step.dependencies = dependencies
                return step
            }
        }
        if let image = request.image {
            task.image = image
            task.pipeline = task.pipeline?.map { step in
                var step = step
                step.image = image
                return step
            }
        }
        return task
    }

    /// The engine's memory and storage for steps that ask for none (a server's defaults).
    func applyDefaults(to original: TaskSpec) -> TaskSpec {
        let memory = configuration.defaultMemoryPerRun.map { Quantity.bytes($0) }
        let storage = configuration.defaultStoragePerRun.map { Quantity.bytes($0) }
        // On the task: a pipeline's steps take what they do not set from it.
        var task = original
        if task.resources.memory == nil { task.resources.memory = memory }
        if task.resources.storage == nil { task.resources.storage = storage }
        return task
    }

    func checkResources(_ task: TaskSpec) throws {
        let capacity = configuration.capacity
        for step in task.effectiveSteps {
            let owner = task.isPipeline ? "step '\(step.name)' of task '\(task.name)'" : "task '\(task.name)'"
            // A multi-node step asks for all its nodes' worth at once: that is what must fit.
            let nodes = step.nodeCount
            let request = ResourceRequest(step.resources, nodes: nodes, capacity: capacity)
            /// "2 cpus" for one node; "6 cpus (3 nodes × 2)" for three.
            func amount(_ total: String, _ each: String?) -> String {
                nodes > 1 ? "\(total) (\(nodes) nodes × \(each ?? ""))" : total
            }
            if request.gpus > capacity.gpus.count {
                let have = capacity.gpus.isEmpty ? "this engine has no GPUs (nvidia-smi found none)" : "this engine has \(capacity.gpus.count)"
                throw APIError(.limitExceeded, "\(owner) asks for \(amount("\(request.gpus) GPU\(request.gpus == 1 ? "" : "s")", step.resources.gpus.map(String.init))), but \(have)",
                               hint: nodes > 1 ? "lower 'gpus' or 'nodes', or run it on a server with more GPUs" : "lower 'gpus', or run it on a server with GPUs ('ame setup URL')")
            }
            if request.cpuMillis > capacity.cpuMillis && step.resources.cpu != nil {
                throw APIError(.limitExceeded, "\(owner) asks for \(amount("\(Quantity.millicores(request.cpuMillis)) cpus", step.resources.cpu?.text)), but this engine has \(Quantity.millicores(capacity.cpuMillis))",
                               hint: nodes > 1 ? "lower 'cpu' or 'nodes' in ame.yaml" : "lower 'cpu' in ame.yaml")
            }
            if request.memoryBytes > capacity.memoryBytes {
                throw APIError(.limitExceeded, "\(owner) asks for \(amount("\(nodes > 1 ? Quantity.bytes(request.memoryBytes).text : step.resources.memory?.text ?? "")", step.resources.memory?.text)) memory, but this engine has \(Quantity.bytes(capacity.memoryBytes))",
                               hint: nodes > 1 ? "lower 'memory' or 'nodes' in ame.yaml" : "lower 'memory' in ame.yaml")
            }
            if let limit = configuration.maxCPUMillisPerRun, request.cpuMillis > limit, step.resources.cpu != nil {
                throw APIError(.limitExceeded, "\(owner) asks for \(amount("\(Quantity.millicores(request.cpuMillis)) cpus", step.resources.cpu?.text)), over the limit of \(Quantity.millicores(limit)) per run (max_cpu)",
                               hint: "the server's admin sets this limit")
            }
            if let limit = configuration.maxMemoryPerRun, request.memoryBytes > limit {
                throw APIError(.limitExceeded, "\(owner) asks for \(amount("\(nodes > 1 ? Quantity.bytes(request.memoryBytes).text : step.resources.memory?.text ?? "")", step.resources.memory?.text)) memory, over the limit of \(Quantity.bytes(limit)) per run (max_memory)",
                               hint: "the server's admin sets this limit")
            }
            if let limit = configuration.maxGPUsPerRun, request.gpus > limit {
                throw APIError(.limitExceeded, "\(owner) asks for \(amount("\(request.gpus) GPUs", step.resources.gpus.map(String.init))), over the limit of \(limit) per run (max_gpus)",
                               hint: "the server's admin sets this limit")
            }
        }
    }

    func checkSecrets(_ task: TaskSpec, owner: String) throws {
        for step in task.effectiveSteps {
            let names = step.secrets.map(\.name) + step.data.compactMap(\.secret)
            for name in names where try store.sealedSecret(owner: owner, name: name) == nil {
                let who = task.isPipeline ? "step '\(step.name)' of task '\(task.name)'" : "task '\(task.name)'"
                throw APIError(.invalidRequest, "\(who) needs the secret '\(name)', which is not set",
                               hint: "set it with 'ame secret set \(name)'")
            }
        }
        for name in task.allArtifactSpecs.compactMap(\.secret) where try store.sealedSecret(owner: owner, name: name) == nil {
            throw APIError(.invalidRequest, "the artifacts of task '\(task.name)' need the secret '\(name)', which is not set",
                           hint: "set it with 'ame secret set \(name)' (AWS_ACCESS_KEY_ID=… and AWS_SECRET_ACCESS_KEY=… lines)")
        }
    }
}

extension EnvVar {
    /// `base` with `overrides` replacing variables of the same name.
    public static func mergedList(base: [EnvVar], overrides: [EnvVar]) -> [EnvVar] {
        let overridden = Set(overrides.map(\.key))
        return base.filter { !overridden.contains($0.key) } + overrides
    }
}
