import ArgumentParser
import Foundation

/// Builds a plugin's describe document from its `ParsableCommand` tree.
///
/// ArgumentParser already knows the tree exactly (it prints it with
/// `--experimental-dump-help`), so the builder reads that dump rather than reflecting over
/// property wrappers itself: the document can never disagree with what the parser accepts.
public enum DescriptionBuilder {
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    public static func describe(_ root: any ParsableCommand.Type, about: PluginAbout) throws -> PluginDescription {
        description(of: try dump(root), about: about)
    }

    static func description(of tree: DumpedCommand, about: PluginAbout) -> PluginDescription {
        let name = about.name ?? tree.commandName
        return PluginDescription(
            name: name,
            version: about.version,
            vendor: about.vendor,
            shortDescription: about.shortDescription ?? tree.abstract ?? "",
            protocol: about.protocolRange,
            options: nonEmpty(options(of: tree)),
            arguments: nonEmpty(arguments(of: tree)),
            commands: subcommands(of: tree))
    }

    static func dump(_ root: any ParsableCommand.Type) throws -> DumpedCommand {
        let text: String
        do {
            _ = try root.parseAsRoot(["--experimental-dump-help"])
            throw Failure(description: "ArgumentParser did not print its command tree")
        } catch let failure as Failure {
            throw failure
        } catch {
            text = root.fullMessage(for: error)
        }
        do {
            return try JSONDecoder().decode(DumpedTree.self, from: Data(text.utf8)).command
        } catch {
            throw Failure(description: "cannot read ArgumentParser's command tree: \(error)")
        }
    }

    private static func nonEmpty<T>(_ array: [T]) -> [T]? { array.isEmpty ? nil : array }

    /// Names ArgumentParser adds to every command; AME offers them itself.
    private static let builtInNames: Set<String> = ["help", "version", "experimental-dump-help", "generate-completion-script"]

    static func subcommands(of command: DumpedCommand) -> [CommandDescription] {
        (command.subcommands ?? []).filter { $0.shouldDisplay != false && !builtInNames.contains($0.commandName) }.map { sub in
            let nested = subcommands(of: sub)
            return CommandDescription(
                name: sub.commandName, abstract: sub.abstract,
                options: nonEmpty(options(of: sub)), arguments: nonEmpty(arguments(of: sub)),
                commands: nonEmpty(nested))
        }
    }

    static func options(of command: DumpedCommand) -> [OptionDescription] {
        (command.arguments ?? []).compactMap { argument in
            guard argument.kind != "positional", argument.shouldDisplay != false else { return nil }
            let names = names(of: argument)
            guard !names.isEmpty, !names.contains(where: { builtInNames.contains($0.trimmingCharacters(in: ["-"])) || $0 == "-h" }) else {
                return nil
            }
            let takesValue = argument.kind == "option"
            return OptionDescription(
                names: names, help: argument.abstract, takesValue: takesValue,
                valueName: takesValue ? argument.valueName : nil,
                repeating: argument.isRepeating == true ? true : nil,
                completion: takesValue ? completion(argument) : nil)
        }
    }

    /// An option's spellings as typed: `--name`, `-n`.
    static func names(of argument: DumpedArgument) -> [String] {
        (argument.names ?? []).map { name in
            name.kind == "short" ? "-\(name.name)" : name.kind == "longWithSingleDash" ? "-\(name.name)" : "--\(name.name)"
        }
    }

    static func arguments(of command: DumpedCommand) -> [ArgumentDescription] {
        (command.arguments ?? []).compactMap { argument in
            guard argument.kind == "positional", argument.shouldDisplay != false else { return nil }
            return ArgumentDescription(
                name: argument.valueName ?? "value", help: argument.abstract,
                optional: argument.isOptional == true ? true : nil,
                repeating: argument.isRepeating == true ? true : nil,
                completion: completion(argument))
        }
    }

    static func completion(_ argument: DumpedArgument) -> CompletionDescription? {
        if let values = argument.allValues, !values.isEmpty {
            return CompletionDescription(kind: .values, values: values)
        }
        guard let kind = argument.completionKind else { return nil }
        if let list = kind.list { return CompletionDescription(kind: .values, values: list.values) }
        if let file = kind.file { return CompletionDescription(kind: .file, extensions: file.extensions.isEmpty ? nil : file.extensions) }
        if kind.directory != nil { return CompletionDescription(kind: .directory) }
        if let shell = kind.shellCommand, let ameKind = AMECompletion.kind(fromMarker: shell.command) {
            return CompletionDescription(kind: ameKind)
        }
        // A Swift closure: only the plugin can run it, through the `complete` request.
        if kind.custom != nil || kind.customAsync != nil { return CompletionDescription(kind: .dynamic) }
        return nil
    }
}

// The parts of ArgumentParser's `ToolInfoV0` dump that the describe document uses.
struct DumpedTree: Decodable {
    var command: DumpedCommand
}

struct DumpedCommand: Decodable {
    var commandName: String
    var abstract: String?
    var shouldDisplay: Bool?
    var subcommands: [DumpedCommand]?
    var arguments: [DumpedArgument]?
}

struct DumpedArgument: Decodable {
    struct Name: Decodable {
        var kind: String
        var name: String
    }

    struct Completion: Decodable {
        struct Values: Decodable { var values: [String] }
        struct Extensions: Decodable { var extensions: [String] }
        struct Command: Decodable { var command: String }
        struct Empty: Decodable {}
        var list: Values?
        var file: Extensions?
        var directory: Empty?
        var shellCommand: Command?
        var custom: Empty?
        var customAsync: Empty?
    }

    var kind: String
    var shouldDisplay: Bool?
    var isOptional: Bool?
    var isRepeating: Bool?
    var names: [Name]?
    var preferredName: Name?
    var valueName: String?
    var allValues: [String]?
    var abstract: String?
    var completionKind: Completion?
}
