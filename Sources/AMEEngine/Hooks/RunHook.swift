import Foundation

/// What a plugin contributes to every run of a project: environment variables, and
/// optionally a wrapper command that each batch step's command runs inside.
///
/// A hook is a file `.ame/hooks/NAME.json` in the project, so it travels with the project's
/// upload and applies wherever the run goes (embedded engine, server, Kubernetes); the
/// plugin that wrote it (`ame mlflow enable`, say) removes it to turn it off. The engine
/// knows nothing about what a hook is for. See docs/run-hooks.md.
public struct RunHook: Hashable, Sendable {
    /// The file's name without `.json` (`mlflow`).
    public var name: String
    /// The file's path in the project (`.ame/hooks/mlflow.json`), for messages.
    public var path: String
    /// Added to every step's environment: after AME's own variables, before the task's
    /// `env` (what the user wrote in ame.yaml wins) and its secrets.
    public var env: [String: String]
    /// A command (argv) that runs each batch step: it is given the step's command as
    /// `/bin/sh -c COMMAND` after its own arguments, must run it, and should exit with its
    /// status. Service runs (runs with ports) are never wrapped.
    public var wrap: [String]

    public init(name: String, path: String, env: [String: String] = [:], wrap: [String] = []) {
        self.name = name
        self.path = path
        self.env = env
        self.wrap = wrap
    }
}
