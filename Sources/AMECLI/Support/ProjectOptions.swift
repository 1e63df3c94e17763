import ArgumentParser

/// `--file` and `--dir`: which project a command works on.
public struct ProjectOptions: ParsableArguments, Sendable {
    @Option(name: .long, help: ArgumentHelp("The project file to use.", valueName: "path"),
            completion: .file(extensions: ["yaml", "yml"]))
    public var file: String?

    @Option(name: .long, help: ArgumentHelp("The project directory (default: the nearest one holding ame.yaml).", valueName: "dir"),
            completion: .directory)
    public var dir: String?

    public init() {}

    public func location(in context: CommandContext) throws -> ProjectLocation {
        try ProjectLocation.find(file: file, directory: dir, context: context)
    }

    public func loader(in context: CommandContext) throws -> ProjectLoader {
        ProjectLoader(location: try location(in: context), context: context)
    }
}
