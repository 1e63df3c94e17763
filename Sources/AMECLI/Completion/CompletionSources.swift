import AMECore
import Foundation

/// Candidates for dynamic shell completion. They run inside `ame` when the shell asks, so
/// they must be quick, print nothing, and never fail loudly.
enum CompletionSources {
    /// Task names from the project's ame.yaml (the one `--dir`/`--file` names, or the
    /// nearest one up from the working directory).
    @Sendable static func tasks(_ arguments: [String], _ index: Int, _ prefix: String) -> [String] {
        let context = CommandContext.current
        let file = value(of: "--file", in: arguments)
        let directory = value(of: "--dir", in: arguments)
        guard let location = try? ProjectLocation.find(file: file, directory: directory, context: context),
              let source = try? String(contentsOf: location.file, encoding: .utf8),
              let project = ProjectFileDecoder(source: source).decode().project else { return [] }
        return project.taskNames.filter { $0.hasPrefix(prefix) }
    }

    /// Run ids, newest first.
    @Sendable static func runs(_ arguments: [String], _ index: Int, _ prefix: String) async -> [String] {
        let context = CommandContext.current
        guard let api = try? context.jobsAPI(local: arguments.contains("--local")),
              let page = try? await api.listRuns(RunQuery(limit: 50)) else { return [] }
        return page.runs.map(\.id).filter { $0.hasPrefix(prefix) }
    }

    @Sendable static func secrets(_ arguments: [String], _ index: Int, _ prefix: String) async -> [String] {
        let context = CommandContext.current
        guard let api = try? context.jobsAPI(local: arguments.contains("--local")),
              let secrets = try? await api.listSecrets() else { return [] }
        return secrets.map(\.name).filter { $0.hasPrefix(prefix) }
    }

    static func value(of option: String, in arguments: [String]) -> String? {
        for (index, argument) in arguments.enumerated() {
            if argument == option, index + 1 < arguments.count { return arguments[index + 1] }
            if argument.hasPrefix(option + "=") { return String(argument.dropFirst(option.count + 1)) }
        }
        return nil
    }
}
