import AMECore

/// The command and environment an attempt runs with, from the step's own: a service is
/// told its ports (`AME_PORT`, `AME_SERVICE_HOST`, a named port's variable); a batch step
/// runs inside the wrappers of the project's hooks, which are told what they wrap.
struct StepCommand: Equatable {
    var command: String
    var environment: [String: String]

    static func compose(command: String, environment: [String: String], ports: [PortSpec], hooks: RunHooks, step: TaskSpec,
                        attempt: Int, resources: Resources, pipelineSteps: [String]?) -> StepCommand {
        var environment = environment
        if let first = ports.first {
            environment["AME_PORT"] = String(first.port)
            // The address a service should listen on: loopback here, where the engine
            // reaches it (an executor whose runs are reached over a network says 0.0.0.0).
            environment["AME_SERVICE_HOST"] = "127.0.0.1"
        }
        for spec in ports {
            if let variable = spec.variableName { environment[variable] = String(spec.port) }
        }
        guard ports.isEmpty && hooks.wraps else { return StepCommand(command: command, environment: environment) }
        environment.merge(RunHooks.wrapperEnvironment(command: command, attempt: attempt, step: step, resources: resources,
                                                      pipelineSteps: pipelineSteps)) { _, new in new }
        return StepCommand(command: hooks.wrapping(command), environment: environment)
    }
}
