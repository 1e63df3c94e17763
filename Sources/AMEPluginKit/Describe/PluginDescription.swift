/// What `ame-NAME --ame-describe` prints: one JSON object that tells AME who the plugin is,
/// which protocol versions it speaks, and its commands (for help and completion, which
/// AME then serves without starting the plugin).
public struct PluginDescription: Hashable, Sendable, Codable {
    public var schemaVersion: Int
    /// The NAME of `ame-NAME`; it must match the file's name.
    public var name: String
    public var version: String
    public var vendor: String
    /// One line for `ame help` and `ame plugin list`.
    public var shortDescription: String
    public var `protocol`: ProtocolRange
    /// Options of `ame NAME` itself.
    public var options: [OptionDescription]?
    /// Positional arguments of `ame NAME` itself.
    public var arguments: [ArgumentDescription]?
    /// Subcommands: `ame NAME COMMAND …`.
    public var commands: [CommandDescription]

    public init(schemaVersion: Int = PluginProtocol.schemaVersion, name: String, version: String, vendor: String,
                shortDescription: String, protocol: ProtocolRange = PluginProtocol.supported,
                options: [OptionDescription]? = nil, arguments: [ArgumentDescription]? = nil, commands: [CommandDescription] = []) {
        self.schemaVersion = schemaVersion
        self.name = name
        self.version = version
        self.vendor = vendor
        self.shortDescription = shortDescription
        self.protocol = `protocol`
        self.options = options
        self.arguments = arguments
        self.commands = commands
    }
}

/// A subcommand, possibly with its own subcommands.
public struct CommandDescription: Hashable, Sendable, Codable {
    public var name: String
    public var abstract: String?
    public var options: [OptionDescription]?
    public var arguments: [ArgumentDescription]?
    public var commands: [CommandDescription]?

    public init(name: String, abstract: String? = nil, options: [OptionDescription]? = nil,
                arguments: [ArgumentDescription]? = nil, commands: [CommandDescription]? = nil) {
        self.name = name
        self.abstract = abstract
        self.options = options
        self.arguments = arguments
        self.commands = commands
    }
}

/// A named option (`--name VALUE`) or flag (`--verbose`).
public struct OptionDescription: Hashable, Sendable, Codable {
    /// Every spelling, preferred first: `["--name", "-n"]`.
    public var names: [String]
    public var help: String?
    /// Takes a value (`--name VALUE`); false for a flag.
    public var takesValue: Bool
    public var valueName: String?
    public var repeating: Bool?
    public var completion: CompletionDescription?

    public init(names: [String], help: String? = nil, takesValue: Bool, valueName: String? = nil,
                repeating: Bool? = nil, completion: CompletionDescription? = nil) {
        self.names = names
        self.help = help
        self.takesValue = takesValue
        self.valueName = valueName
        self.repeating = repeating
        self.completion = completion
    }
}

/// A positional argument.
public struct ArgumentDescription: Hashable, Sendable, Codable {
    public var name: String
    public var help: String?
    public var optional: Bool?
    public var repeating: Bool?
    public var completion: CompletionDescription?

    public init(name: String, help: String? = nil, optional: Bool? = nil, repeating: Bool? = nil, completion: CompletionDescription? = nil) {
        self.name = name
        self.help = help
        self.optional = optional
        self.repeating = repeating
        self.completion = completion
    }
}

/// How the shell completes a value, so that AME can complete it without the plugin.
public struct CompletionDescription: Hashable, Sendable, Codable {
    public enum Kind: String, Hashable, Sendable, Codable {
        /// No completion.
        case none
        /// Files, optionally only those with `extensions`.
        case file
        case directory
        /// One of `values`.
        case values
        /// A task of the project's `ame.yaml`.
        case task
        /// A run id.
        case run
        /// A secret's name.
        case secret
        /// A configured server's name.
        case server
        /// Asked of the plugin itself, with the `complete` request (see docs/plugins.md):
        /// for values only the plugin knows. AME gives it one second.
        case dynamic
    }

    /// Every kind's JSON name, for error messages.
    public static let kindNames = "none, file, directory, values, task, run, secret, server, dynamic"

    public var kind: Kind
    public var extensions: [String]?
    public var values: [String]?

    public init(kind: Kind, extensions: [String]? = nil, values: [String]? = nil) {
        self.kind = kind
        self.extensions = extensions
        self.values = values
    }
}
