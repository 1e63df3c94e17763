import ArgumentParser
import Foundation

/// The command tree as ArgumentParser describes it (`ame --experimental-dump-help`): the
/// source of the manual pages, so they cannot disagree with what the parser accepts.
struct ToolDump: Decodable {
    var command: Command

    struct Command: Decodable {
        var commandName: String
        var superCommands: [String]?
        var abstract: String?
        var discussion: String?
        var shouldDisplay: Bool?
        var defaultSubcommand: String?
        var subcommands: [Command]?
        var arguments: [Argument]?

        /// `ame`, `ame secret set`.
        var fullName: String { ((superCommands ?? []) + [commandName]).joined(separator: " ") }
        /// `ame`, `ame-secret-set`: the page's name.
        var pageName: String { ((superCommands ?? []) + [commandName]).joined(separator: "-") }
        var isDisplayed: Bool { shouldDisplay != false }
        var displayedSubcommands: [Command] { (subcommands ?? []).filter(\.isDisplayed) }
    }

    struct Argument: Decodable {
        struct Name: Decodable {
            var kind: String
            var name: String

            var spelled: String { kind == "long" ? "--\(name)" : "-\(name)" }
        }

        var kind: String
        var shouldDisplay: Bool?
        var isOptional: Bool?
        var isRepeating: Bool?
        var names: [Name]?
        var preferredName: Name?
        var valueName: String?
        var defaultValue: String?
        var allValues: [String]?
        var abstract: String?
        var discussion: String?

        var isPositional: Bool { kind == "positional" }
        var isFlag: Bool { kind == "flag" }
        var spellings: [String] { (names ?? []).map(\.spelled) }
    }

    static func load(_ root: any ParsableCommand.Type) throws -> ToolDump {
        try JSONDecoder().decode(ToolDump.self, from: Data(root._dumpHelp().utf8))
    }
}
