import AMEEngine
import ArgumentParser
import Foundation

/// `ame cache info|prune`: the Python environments and package caches on this machine.
struct CacheCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cache",
        abstract: "Show and trim the Python environments and package caches on this machine.",
        discussion: """
            Each user has their own environments and package caches (uv's, pip's…): a build \
            runs the user's code, so no user ever installs into another's. Environments are \
            reused by every run whose dependencies are the same; a pruned one is rebuilt in \
            seconds from the package cache.
            """,
        subcommands: [ShowCacheInfoCommand.self, PruneCacheCommand.self])
}

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
