/// Where the word being completed sits in a plugin's command tree, read from its describe
/// document. AME uses it to complete without starting the plugin; the plugin runtime uses
/// it to answer a `complete` request. One walker, so the two cannot disagree about which
/// argument a word belongs to.
public struct CompletionPosition: Hashable, Sendable {
    public enum Slot: Hashable, Sendable {
        /// The value of `option` (the previous word is the option's name).
        case optionValue(OptionDescription)
        /// An option's name (the word begins with `-`).
        case optionName
        /// A subcommand's name or the value of a positional argument: `argument` is the one
        /// this word would be (nil when the command takes no more), `index` its position
        /// among the command's arguments.
        case word(argument: ArgumentDescription?, index: Int?)
    }

    /// The subcommands typed after `ame NAME`, in order.
    public var commandPath: [String]
    /// What the innermost command offers.
    public var options: [OptionDescription]
    public var commands: [CommandDescription]
    public var slot: Slot
    /// The word being completed, as typed so far.
    public var prefix: String
}

public enum CompletionWalker {
    /// The position of the last of `words` (the words after `ame NAME`; the last may be
    /// empty, when Tab was pressed after a space).
    public static func position(in description: PluginDescription, words: [String]) -> CompletionPosition {
        var path: [String] = []
        var options = description.options ?? []
        var arguments = description.arguments ?? []
        var commands = description.commands
        var positionals = 0
        var afterTerminator = false
        let typed = Array(words.dropLast())
        let prefix = words.last ?? ""
        var index = 0
        var pendingOption: OptionDescription?
        while index < typed.count {
            let word = typed[index]
            index += 1
            if afterTerminator {
                positionals += 1
                continue
            }
            if word == "--" {
                afterTerminator = true
                continue
            }
            if word.hasPrefix("-") && word.count > 1 {
                let name = word.split(separator: "=", maxSplits: 1).first.map(String.init) ?? word
                if let option = options.first(where: { $0.names.contains(name) }), option.takesValue, !word.contains("=") {
                    if index < typed.count {
                        index += 1 // its value
                    } else {
                        pendingOption = option
                    }
                }
                continue
            }
            if positionals == 0, let command = commands.first(where: { $0.name == word }) {
                path.append(word)
                options = command.options ?? []
                arguments = command.arguments ?? []
                commands = command.commands ?? []
                continue
            }
            positionals += 1
        }
        if let pendingOption {
            return CompletionPosition(commandPath: path, options: options, commands: commands, slot: .optionValue(pendingOption), prefix: prefix)
        }
        if prefix.hasPrefix("-") && !afterTerminator {
            return CompletionPosition(commandPath: path, options: options, commands: commands, slot: .optionName, prefix: prefix)
        }
        let argumentIndex: Int?
        if positionals < arguments.count {
            argumentIndex = positionals
        } else if let last = arguments.indices.last, arguments[last].repeating == true {
            argumentIndex = last
        } else {
            argumentIndex = nil
        }
        return CompletionPosition(
            commandPath: path, options: options, commands: positionals == 0 && !afterTerminator ? commands : [],
            slot: .word(argument: argumentIndex.map { arguments[$0] }, index: argumentIndex), prefix: prefix)
    }
}
