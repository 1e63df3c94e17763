import AMEEngine
import ArgumentParser
import Foundation

/// Which cache the cache commands look at.
struct CacheLocationOptions: ParsableArguments {
    @Option(name: .customLong("data-dir"),
            help: ArgumentHelp("An ame-server's data directory (its cache is DIR/cache); default: the embedded engine's cache.", valueName: "dir"))
    var dataDirectory: String?

    func layout(in context: CommandContext) -> EngineLayout {
        if let dataDirectory { return EngineLayout.server(dataDirectory: context.resolve(dataDirectory)) }
        return EngineLayout.embedded(environment: context.environment)
    }
}
