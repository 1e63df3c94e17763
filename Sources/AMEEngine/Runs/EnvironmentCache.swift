import AMECore
import AMESystem
import Foundation

/// Builds each step's environment: the Python environment (built once per run for each
/// distinct plan, and cached across runs by the builder), AME's variables, the task's
/// env, and its secrets from the vault.
actor EnvironmentCache {
    let engine: Engine
    let baseEnvironment: [String: String]
    /// Whose environments and package caches the builds use.
    let owner: String
    /// Where builds run, and the run's view that steps start from.
    let sandbox: RunSandbox?
    private var catalog: PythonInterpreterCatalog?
    private var prepared: [String: (environment: PreparedEnvironment, interpreter: String?)] = [:]

    /// Variables of the agent's own environment that a task must not inherit.
    static let withheld: Set<String> = ["AME_TOKEN", "AME_ADMIN_TOKEN", "AME_SERVER", "VIRTUAL_ENV", "PYTHONHOME", "CONDA_PREFIX"]

    /// What plugins contribute to every step of the project (`.ame/hooks/`).
    nonisolated let hooks: RunHooks

    init(engine: Engine, baseEnvironment: [String: String], hooks: RunHooks = RunHooks(), owner: String, sandbox: RunSandbox? = nil) {
        self.engine = engine
        self.baseEnvironment = baseEnvironment.filter { !Self.withheld.contains($0.key) }
        self.hooks = hooks
        self.owner = owner
        self.sandbox = sandbox
    }

    /// A step's environment variables, the secret values to mask in its output, and what a
    /// sandboxed step must see read-only (its Python environment and interpreter).
    struct StepEnvironment: Sendable {
        var variables: [String: String]
        var secretValues: [Data]
        var readOnlyPaths: [String]
    }

    struct MissingSecret: Error, CustomStringConvertible {
        var name: String
        var description: String { "the secret '\(name)' is not set (set it with 'ame secret set \(name)')" }
    }

    func environment(for step: TaskSpec, stored: StoredRun, workspace: URL, gpus: [Int], log: StepLog) async throws -> StepEnvironment {
        var environment = baseEnvironment
        if environment["PATH"] == nil { environment["PATH"] = "/usr/local/bin:/usr/bin:/bin" }
        // Python prints to a pipe in blocks unless told not to; logs should be live.
        environment["PYTHONUNBUFFERED"] = "1"
        var readOnlyPaths: [String] = []
        if let python = try await pythonEnvironment(for: step, extraPackages: stored.request.extraPackages ?? [], workspace: workspace, log: log) {
            environment = python.environment.applied(to: environment)
            readOnlyPaths = [python.environment.directory.path] + (python.interpreter.map { [$0] } ?? [])
        }
        environment["AME_RUN_ID"] = stored.id
        environment["AME_PROJECT"] = stored.record.project
        environment["AME_TASK"] = stored.task.name
        environment["AME_STEP"] = step.name
        environment["AME_WORKSPACE"] = workspace.path
        // A step sees only the GPUs it was given (none, if it asked for none).
        environment["CUDA_VISIBLE_DEVICES"] = gpus.map(String.init).joined(separator: ",")
        // Hooks' variables, then the task's own: what the user wrote wins.
        environment.merge(hooks.environment) { _, hook in hook }
        for variable in step.env { environment[variable.key] = variable.value }
        var secretValues: [Data] = []
        for secret in step.secrets {
            guard let value = try engine.vault.value(owner: stored.record.owner, name: secret.name) else {
                throw MissingSecret(name: secret.name)
            }
            environment[secret.envKey] = String(decoding: value, as: UTF8.self)
            secretValues.append(value)
        }
        // The run's own secret env (a service's token): masked in the log like secrets.
        for variable in try engine.vault.runSecrets(runID: stored.id) {
            environment[variable.key] = variable.value
            if !variable.value.isEmpty { secretValues.append(Data(variable.value.utf8)) }
        }
        return StepEnvironment(variables: environment, secretValues: secretValues, readOnlyPaths: readOnlyPaths)
    }

    /// The environment and the folder its interpreter is installed in.
    private func pythonEnvironment(for step: TaskSpec, extraPackages: [String], workspace: URL,
                                   log: StepLog) async throws -> (environment: PreparedEnvironment, interpreter: String?)? {
        if step.dependencies == DependencyManager.none && extraPackages.isEmpty { return nil }
        if catalog == nil { catalog = await PythonInterpreterCatalog.discover(environment: baseEnvironment, cacheDirectory: engine.layout.cacheDirectory) }
        Trace.mark("agent: interpreters found")
        guard let catalog, let plan = try PythonEnvironmentPlanner.plan(projectDirectory: workspace, python: step.python,
                                                                        dependencies: step.dependencies, catalog: catalog,
                                                                        extraPackages: extraPackages, installer: step.installer) else {
            return nil
        }
        Trace.mark("agent: environment planned")
        if let existing = prepared[plan.key] { return existing }
        let builder = PythonEnvironmentBuilder(layout: engine.layout, environment: baseEnvironment, user: owner,
                                               sandbox: sandbox.map { Sandbox.Placement(sandbox: $0.sandbox, view: $0.base) })
        let environment = try await builder.prepare(plan, projectDirectory: workspace) { data in
            log.write(.setup, data)
        }
        // A build may have written into the project (a lock file it removes again, say).
        sandbox?.giveToRun(workspaceTree: workspace)
        let result = (environment: environment, interpreter: plan.interpreter.map { PythonEnvironmentBuilder.installationPrefix(of: $0.path) })
        prepared[plan.key] = result
        return result
    }
}
