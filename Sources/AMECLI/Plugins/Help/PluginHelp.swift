import AMEPluginKit
import Foundation

/// The plugin parts of `ame help`: a section listing valid plugins and, apart, invalid
/// ones with their reasons; and `ame help NAME` for a plugin, written from its describe
/// document (so help starts no plugin once the describe cache is warm).
public enum PluginHelp {
    /// The section appended to `ame help`; empty when there are no plugins.
    public static func section(for records: [PluginRecord], style: Style) -> String {
        let valid = records.filter(\.status.isValid)
        let invalid = records.filter { !$0.status.isValid }
        var text = ""
        if !valid.isEmpty {
            text += "\nPLUGINS:\n"
            let width = max(20, (valid.map(\.name.count).max() ?? 0) + 2)
            for record in valid {
                let summary = record.status.description?.shortDescription ?? ""
                text += "  " + record.name.padding(toLength: width, withPad: " ", startingAt: 0) + summary + "\n"
            }
        }
        if !invalid.isEmpty {
            text += "\nINVALID PLUGINS (never run; see 'ame plugin list'):\n"
            for record in invalid {
                text += "  \(record.name) (\(record.path)): \(record.status.problem ?? "invalid")\n"
            }
        }
        return text
    }

    /// `ame help NAME` (or `ame help NAME COMMAND…`) for a valid plugin.
    public static func detail(for record: PluginRecord, path commandPath: [String]) -> String? {
        guard let description = record.status.description else { return nil }
        var title = "ame \(record.name)"
        var abstract = description.shortDescription
        var options = description.options ?? []
        var arguments = description.arguments ?? []
        var commands = description.commands
        for word in commandPath {
            guard let command = commands.first(where: { $0.name == word }) else { return nil }
            title += " \(word)"
            abstract = command.abstract ?? ""
            options = command.options ?? []
            arguments = command.arguments ?? []
            commands = command.commands ?? []
        }
        var usage = title
        if !options.isEmpty { usage += " [<options>]" }
        for argument in arguments {
            let shown = "<\(argument.name)>" + (argument.repeating == true ? " ..." : "")
            usage += argument.optional == true ? " [\(shown)]" : " \(shown)"
        }
        if !commands.isEmpty { usage += " <subcommand>" }

        var text = abstract.isEmpty ? "" : "OVERVIEW: \(abstract)\n\n"
        text += "USAGE: \(usage)\n"
        if !arguments.isEmpty {
            text += "\nARGUMENTS:\n"
            text += rows(arguments.map { ("<\($0.name)>", $0.help ?? "") })
        }
        if !options.isEmpty {
            text += "\nOPTIONS:\n"
            text += rows(options.map { option in
                let names = option.names.joined(separator: ", ")
                return (option.takesValue ? "\(names) <\(option.valueName ?? "value")>" : names, option.help ?? "")
            })
        }
        if !commands.isEmpty {
            text += "\nSUBCOMMANDS:\n"
            text += rows(commands.map { ($0.name, $0.abstract ?? "") })
        }
        text += "\nPLUGIN: \(description.name) \(description.version) from \(description.vendor) (\(record.path))\n"
        return text
    }

    static func rows(_ rows: [(String, String)]) -> String {
        let width = max(20, (rows.map(\.0.count).max() ?? 0) + 2)
        return rows.map { "  " + $0.0.padding(toLength: width, withPad: " ", startingAt: 0) + $0.1 + "\n" }.joined()
    }
}
