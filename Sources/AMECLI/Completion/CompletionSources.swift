import AMECore
import AMEEngine
import AMEPluginKit
import ArgumentParser
import Foundation

/// Candidates for dynamic shell completion. They run inside `ame` when the shell asks
/// (`ame ---completion …`, `ame plugin complete …`), so they must be quick, print nothing,
/// and never fail loudly: whatever goes wrong yields no candidates.
///
/// Functions named like ArgumentParser's custom completions take the words of the command
/// line (`ame` first), the index of the word being completed and its text so far; they
/// return lines formatted for the requesting shell (with descriptions where it shows them).
enum CompletionSources {
    /// How long completion waits for the jobs API (a server may be unreachable).
    static let apiDeadline: Duration = .seconds(1)
    /// How many runs are offered, newest first.
    static let runLimit = 50

    // MARK: ArgumentParser custom completions

    @Sendable static func tasks(_ arguments: [String], _ index: Int, _ prefix: String) -> [String] {
        format(taskCandidates(arguments: arguments, prefix: prefix, context: CommandContext.current))
    }

    @Sendable static func runs(_ arguments: [String], _ index: Int, _ prefix: String) async -> [String] {
        format(await runCandidates(prefix: prefix, local: arguments.contains("--local"), context: CommandContext.current))
    }

    @Sendable static func secrets(_ arguments: [String], _ index: Int, _ prefix: String) async -> [String] {
        format(await secretCandidates(prefix: prefix, local: arguments.contains("--local"), context: CommandContext.current))
    }

    @Sendable static func servers(_ arguments: [String], _ index: Int, _ prefix: String) -> [String] {
        format(serverCandidates(prefix: prefix, context: CommandContext.current))
    }

    /// Plugins `ame plugin install` put in place (what `ame plugin remove` takes).
    @Sendable static func installedPlugins(_ arguments: [String], _ index: Int, _ prefix: String) -> [String] {
        let context = CommandContext.current
        let resolver = PluginResolver.standard(context: context)
        let installed = resolver.directories.filter { $0.source == .installed }
        let names = installed.flatMap { PluginResolver.names(in: $0) }
        return format(Set(names).sorted().filter { $0.hasPrefix(prefix) }.map { CompletionCandidate($0) })
    }

    /// Every valid plugin, with its one-line description.
    @Sendable static func plugins(_ arguments: [String], _ index: Int, _ prefix: String) async -> [String] {
        format(await pluginCandidates(prefix: prefix, context: CommandContext.current))
    }

    /// What `ame help` takes: built-in commands and plugins.
    @Sendable static func helpTopics(_ arguments: [String], _ index: Int, _ prefix: String) async -> [String] {
        let builtins = RootCommand.builtinCommands
            .filter { $0.configuration.shouldDisplay && $0._commandName.hasPrefix(prefix) }
            .map { CompletionCandidate($0._commandName, description: $0.configuration.abstract) }
        return format(builtins + (await pluginCandidates(prefix: prefix, context: CommandContext.current)))
    }

    static func format(_ candidates: [CompletionCandidate]) -> [String] {
        CompletionOutput.lines(candidates, shell: CompletionShell.requesting)
    }

    // MARK: Sources

    /// Tasks of the project's ame.yaml (the one `--dir`/`--file` on the line names, or the
    /// nearest one up from the working directory), in file order; pipelines list their steps.
    static func taskCandidates(arguments: [String], prefix: String, context: CommandContext) -> [CompletionCandidate] {
        guard let project = project(arguments: arguments, context: context) else { return [] }
        return project.tasks.filter { $0.name.hasPrefix(prefix) }.map { task in
            let summary: String
            if let steps = task.pipeline {
                summary = "pipeline: " + steps.map(\.name).joined(separator: " → ")
            } else {
                summary = task.runCommand ?? ""
            }
            return CompletionCandidate(task.name, description: summary)
        }
    }

    /// Steps of the pipeline task named on the line (for arguments that take a step).
    static func stepCandidates(task: String, arguments: [String], prefix: String, context: CommandContext) -> [CompletionCandidate] {
        guard let spec = project(arguments: arguments, context: context)?.tasks.first(where: { $0.name == task }),
              let steps = spec.pipeline else { return [] }
        return steps.filter { $0.name.hasPrefix(prefix) }.map { CompletionCandidate($0.name, description: $0.runCommand) }
    }

    static func project(arguments: [String], context: CommandContext) -> ProjectFile? {
        let file = value(of: "--file", in: arguments)
        let directory = value(of: "--dir", in: arguments)
        guard let location = try? ProjectLocation.find(file: file, directory: directory, context: context),
              let source = try? String(contentsOf: location.file, encoding: .utf8) else { return nil }
        // A project with mistakes still has task names worth offering.
        return ProjectFileDecoder(source: source).decode().project
    }

    /// Run ids, newest first, described by status, task and age.
    static func runCandidates(prefix: String, local: Bool, context: CommandContext, now: Date = Date()) async -> [CompletionCandidate] {
        let rows = await apiRows(kind: "runs", local: local, context: context) { api in
            let page = try await api.listRuns(RunQuery(limit: runLimit))
            return page.runs.map { [$0.id, $0.status.rawValue, $0.task, String(Int64($0.createdAt.timeIntervalSince1970))] }
        }
        return rows.filter { $0.first?.hasPrefix(prefix) == true }.map { row in
            let details = row.dropFirst()
            var parts: [String] = []
            if let status = details.first { parts.append(status) }
            if details.count > 1 { parts.append(details[details.startIndex + 1]) }
            if details.count > 2, let seconds = Double(details[details.startIndex + 2]) {
                parts.append(age(since: Date(timeIntervalSince1970: seconds), now: now))
            }
            return CompletionCandidate(row[0], description: parts.joined(separator: " · "))
        }
    }

    static func secretCandidates(prefix: String, local: Bool, context: CommandContext) async -> [CompletionCandidate] {
        let rows = await apiRows(kind: "secrets", local: local, context: context) { api in
            try await api.listSecrets().map { [$0.name] }
        }
        return rows.compactMap(\.first).filter { $0.hasPrefix(prefix) }.map { CompletionCandidate($0) }
    }

    static func serverCandidates(prefix: String, context: CommandContext) -> [CompletionCandidate] {
        let servers = ServerNames.load(environment: context.environment)
        return servers.names.filter { $0.hasPrefix(prefix) }.map {
            CompletionCandidate($0, description: $0 == servers.current ? "current" : nil)
        }
    }

    static func pluginCandidates(prefix: String, context: CommandContext) async -> [CompletionCandidate] {
        let records = await PluginResolver.standard(context: context).all()
        return records.compactMap { record in
            guard record.name.hasPrefix(prefix), let description = record.status.description else { return nil }
            return CompletionCandidate(record.name, description: description.shortDescription)
        }
    }

    /// Rows from the jobs API within the deadline, remembered for when it cannot answer.
    /// The embedded engine is not created for this: with no data yet there is nothing to offer.
    static func apiRows(kind: String, local: Bool, context: CommandContext,
                        fetch: @escaping @Sendable (any JobsAPI) async throws -> [[String]]) async -> [[String]] {
        let environment = context.environment
        let server = local ? nil : ServerNames.selected(environment: environment)
        let layout = EngineLayout.embedded(environment: environment)
        if server == nil && !FileManager.default.fileExists(atPath: layout.database.path) { return [] }
        let source = server.map { "server:\($0)" } ?? "embedded:\(layout.dataDirectory.path)"
        let cache = CompletionCache.standard(environment: environment)
        let fresh = await Deadline.value(within: apiDeadline) { () -> [[String]]? in
            guard let api = try? context.jobsAPI(local: local) else { return nil }
            return try? await fetch(api)
        }
        guard let fresh else { return cache.load(kind, source: source) ?? [] }
        if server != nil, cache.load(kind, source: source) != fresh {
            cache.store(fresh, kind: kind, source: source)
        }
        return fresh
    }

    /// "just now", "5 min ago", "3 h ago", "2 days ago".
    static func age(since date: Date, now: Date) -> String {
        let seconds = max(0, Int(now.timeIntervalSince(date)))
        switch seconds {
        case ..<60: return "just now"
        case ..<3600: return "\(seconds / 60) min ago"
        case ..<86400: return "\(seconds / 3600) h ago"
        default:
            let days = seconds / 86400
            return days == 1 ? "1 day ago" : "\(days) days ago"
        }
    }

    static func value(of option: String, in arguments: [String]) -> String? {
        for (index, argument) in arguments.enumerated() {
            if argument == option, index + 1 < arguments.count { return arguments[index + 1] }
            if argument.hasPrefix(option + "=") { return String(argument.dropFirst(option.count + 1)) }
        }
        return nil
    }
}
