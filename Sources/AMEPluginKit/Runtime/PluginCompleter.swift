import ArgumentParser

/// Answers `complete` for a Swift plugin: finds the argument the last word belongs to
/// (with the same walker AME uses on the describe document) and runs its completion
/// closure through ArgumentParser's own custom-completion entry point, so the closure gets
/// exactly what it would get from an ArgumentParser completion script.
enum PluginCompleter {
    static func candidates(_ root: any ParsableCommand.Type, argv: [String]) async -> [CompletionCandidate] {
        let words = argv.isEmpty ? [""] : argv
        guard let tree = try? DescriptionBuilder.dump(root),
              let request = request(tree: tree, root: root, words: words) else { return [] }
        var output = ""
        do {
            if let asyncRoot = root as? any AsyncParsableCommand.Type {
                _ = try await asyncRoot.asyncParseAsRoot(request)
            } else {
                _ = try root.parseAsRoot(request)
            }
        } catch {
            guard root.exitCode(for: error) == .success else { return [] }
            output = root.fullMessage(for: error)
        }
        return output.split(separator: "\n", omittingEmptySubsequences: true)
            .map(String.init)
            .filter { !$0.allSatisfy(\.isWhitespace) }
            .map { CompletionCandidate($0) }
    }

    /// `---completion SUBCOMMAND… -- ARGUMENT WORD-INDEX CURSOR-INDEX WORDS…`, or nil when
    /// the word is not the value of an argument with a completion closure.
    static func request(tree: DumpedCommand, root: any ParsableCommand.Type, words: [String]) -> [String]? {
        let description = DescriptionBuilder.description(of: tree, about: PluginAbout(version: "0", vendor: ""))
        let position = CompletionWalker.position(in: description, words: words)
        var command = tree
        for name in position.commandPath {
            guard let next = command.subcommands?.first(where: { $0.commandName == name }) else { return nil }
            command = next
        }
        let arguments = command.arguments ?? []
        let argumentName: String
        switch position.slot {
        case .optionValue(let option):
            guard option.completion?.kind == .dynamic,
                  let dumped = arguments.first(where: { argument in
                      DescriptionBuilder.names(of: argument).contains(where: option.names.contains)
                  }),
                  let name = dumped.preferredName ?? dumped.names?.first else { return nil }
            argumentName = name.kind == "long" ? "--\(name.name)" : "-\(name.name)"
        case .word(let argument, let index):
            guard let argument, let index, argument.completion?.kind == .dynamic else { return nil }
            // The describe document lists the positionals ArgumentParser displays; the
            // parser counts all of them.
            let positionals = arguments.enumerated().filter { $0.element.kind == "positional" }
            let displayed = positionals.filter { $0.element.shouldDisplay != false }
            guard index < displayed.count,
                  let all = positionals.firstIndex(where: { $0.offset == displayed[index].offset }) else { return nil }
            argumentName = "positional@\(all)"
        case .optionName:
            return nil
        }
        let line = [root._commandName] + words
        let current = line.last ?? ""
        return ["---completion"] + position.commandPath + ["--", argumentName, String(line.count - 1), String(current.count)] + line
    }
}
