import AMECore
import AMEPluginKit
import Foundation

/// Completion for plugins, from the describe documents the resolver already has: plugin
/// names after `ame`, then a plugin's subcommands, options and values. No plugin is
/// started for it once the describe cache is warm.
public enum PluginCompletion {
    /// Candidates for the last of `words` (the words after `ame`; the last may be empty).
    public static func candidates(words: [String], context: CommandContext) async -> [String] {
        let resolver = PluginResolver.standard(context: context)
        let prefix = words.last ?? ""
        guard words.count > 1 else {
            return await resolver.all().filter { $0.status.isValid && $0.name.hasPrefix(prefix) }.map(\.name)
        }
        guard let description = await resolver.resolve(words[0])?.status.description else { return [] }

        var options = description.options ?? []
        var arguments = description.arguments ?? []
        var commands = description.commands
        var positionals = 0
        var index = 1
        let typed = Array(words.dropLast())
        while index < typed.count {
            let word = typed[index]
            if let option = options.first(where: { $0.names.contains(word) }) {
                if option.takesValue { index += 1 }
            } else if let command = commands.first(where: { $0.name == word }) {
                options = command.options ?? []
                arguments = command.arguments ?? []
                commands = command.commands ?? []
                positionals = 0
            } else if !word.hasPrefix("-") {
                positionals += 1
            }
            index += 1
        }
        if let previous = typed.last, typed.count > 1,
           let option = options.first(where: { $0.names.contains(previous) }), option.takesValue {
            return values(for: option.completion, prefix: prefix, context: context)
        }
        if prefix.hasPrefix("-") {
            return options.flatMap(\.names).filter { $0.hasPrefix(prefix) } + (["--help"].filter { $0.hasPrefix(prefix) })
        }
        var result = commands.map(\.name).filter { $0.hasPrefix(prefix) }
        let next = positionals < arguments.count ? arguments[positionals] : arguments.last(where: { $0.repeating == true })
        if let next { result += values(for: next.completion, prefix: prefix, context: context) }
        return result
    }

    static func values(for completion: CompletionDescription?, prefix: String, context: CommandContext) -> [String] {
        guard let completion else { return [] }
        switch completion.kind {
        case .values:
            return (completion.values ?? []).filter { $0.hasPrefix(prefix) }
        case .task:
            guard let location = try? ProjectLocation.find(file: nil, directory: nil, context: context),
                  let source = try? String(contentsOf: location.file, encoding: .utf8),
                  let project = ProjectFileDecoder(source: source).decode().project else { return [] }
            return project.taskNames.filter { $0.hasPrefix(prefix) }
        case .none, .file, .directory, .run, .secret:
            // Files and folders are the shell's own completion; runs and secrets need the
            // engine (wired with the jobs API).
            return []
        }
    }
}
