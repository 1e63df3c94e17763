import AMECore
import AMEPluginKit
import Foundation

/// Completion for plugins, from the describe documents the resolver already has: plugin
/// names after `ame`, then a plugin's subcommands, options and values. No plugin is
/// started for it once the describe cache is warm, except one whose document marks the
/// value being completed `dynamic`: that plugin is asked with the `complete` request and
/// given one second.
public enum PluginCompletion {
    public struct Answer: Sendable, Equatable {
        public var candidates: [CompletionCandidate] = []
        /// The shell should complete file names (or folder names) itself.
        public var paths: PathKind?

        public enum PathKind: Sendable, Equatable {
            case files(extensions: [String])
            case directories
        }
    }

    /// Candidates for the last of `words` (the words after `ame`; the last may be empty).
    public static func candidates(words: [String], context: CommandContext) async -> [String] {
        await answer(words: words, context: context).candidates.map(\.value)
    }

    public static func answer(words: [String], context: CommandContext) async -> Answer {
        let words = words.isEmpty ? [""] : words
        let resolver = PluginResolver.standard(context: context)
        let prefix = words.last ?? ""
        guard words.count > 1 else {
            return Answer(candidates: await CompletionSources.pluginCandidates(prefix: prefix, context: context))
        }
        guard let record = await resolver.resolve(words[0]), let description = record.status.description else { return Answer() }
        let position = CompletionWalker.position(in: description, words: Array(words.dropFirst()))
        switch position.slot {
        case .optionValue(let option):
            return await values(for: option.completion, prefix: prefix, record: record, words: words, context: context)
        case .optionName:
            var candidates = position.options.flatMap { option in option.names.map { CompletionCandidate($0, description: option.help) } }
            candidates.append(CompletionCandidate("--help", description: "Show help information."))
            var seen = Set<String>()
            return Answer(candidates: candidates.filter { $0.value.hasPrefix(prefix) && seen.insert($0.value).inserted })
        case .word(let argument, _):
            var answer = Answer(candidates: position.commands.filter { $0.name.hasPrefix(prefix) }.map {
                CompletionCandidate($0.name, description: $0.abstract)
            })
            if let argument {
                let values = await values(for: argument.completion, prefix: prefix, record: record, words: words, context: context)
                answer.candidates += values.candidates
                // File names only when no subcommand is a candidate: the shell cannot mix them.
                if answer.candidates.isEmpty { answer.paths = values.paths }
            }
            return answer
        }
    }

    static func values(for completion: CompletionDescription?, prefix: String, record: PluginRecord,
                       words: [String], context: CommandContext) async -> Answer {
        guard let completion else { return Answer() }
        switch completion.kind {
        case .none:
            return Answer()
        case .values:
            return Answer(candidates: (completion.values ?? []).filter { $0.hasPrefix(prefix) }.map { CompletionCandidate($0) })
        case .task:
            return Answer(candidates: CompletionSources.taskCandidates(arguments: [], prefix: prefix, context: context))
        case .run:
            return Answer(candidates: await CompletionSources.runCandidates(prefix: prefix, local: false, context: context))
        case .secret:
            return Answer(candidates: await CompletionSources.secretCandidates(prefix: prefix, local: false, context: context))
        case .server:
            return Answer(candidates: CompletionSources.serverCandidates(prefix: prefix, context: context))
        case .file:
            return Answer(paths: .files(extensions: completion.extensions ?? []))
        case .directory:
            return Answer(paths: .directories)
        case .dynamic:
            let candidates = await PluginCompleteRequest.candidates(record: record, argv: Array(words.dropFirst()), context: context)
            return Answer(candidates: candidates.filter { $0.value.hasPrefix(prefix) })
        }
    }
}
