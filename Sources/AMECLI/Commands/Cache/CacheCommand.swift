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
