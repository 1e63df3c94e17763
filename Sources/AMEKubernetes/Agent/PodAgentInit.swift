import AMECore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `ame agent init`, in the Pod's init container: puts the agent binary into the shared
/// `emptyDir` (the step's image need not have AME) and fetches the files the step starts
/// from into the workspace, with the run's token.
public struct PodAgentInit: Sendable {
    public var api: any JobsAPI
    /// The folder shared with the main container (`/ame`).
    public var agentDirectory: URL
    public var workspace: URL
    /// This binary, which is copied for the main container.
    public var executable: String
    public var output: @Sendable (String) -> Void

    public init(api: any JobsAPI, agentDirectory: URL, workspace: URL, executable: String, output: @escaping @Sendable (String) -> Void) {
        self.api = api
        self.agentDirectory = agentDirectory
        self.workspace = workspace
        self.executable = executable
        self.output = output
    }

    /// Where the manifest is kept for `ame agent exec`.
    public static func manifestPath(agentDirectory: URL) -> URL {
        agentDirectory.appendingPathComponent("state/manifest.json")
    }

    public func run(manifest digest: Digest) async throws {
        let started = ContinuousClock.now
        let manager = FileManager.default
        let bin = agentDirectory.appendingPathComponent("bin", isDirectory: true)
        try manager.createDirectory(at: bin, withIntermediateDirectories: true)
        let agent = bin.appendingPathComponent("ame")
        let scratch = bin.appendingPathComponent(".ame.\(ProcessInfo.processInfo.processIdentifier)")
        try? manager.removeItem(at: scratch)
        try manager.copyItem(atPath: executable, toPath: scratch.path)
        try manager.setAttributes([.posixPermissions: 0o755], ofItemAtPath: scratch.path)
        guard rename(scratch.path, agent.path) == 0 else {
            throw AgentFailure("cannot put the agent at \(agent.path): \(String(cString: strerror(errno)))")
        }

        let manifestFile = Self.manifestPath(agentDirectory: agentDirectory)
        try manager.createDirectory(at: manifestFile.deletingLastPathComponent(), withIntermediateDirectories: true)
        try await api.downloadBlob(digest, to: manifestFile)
        let manifest: Manifest
        do {
            manifest = try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: manifestFile))
            try manifest.validate()
        } catch {
            throw AgentFailure("the manifest \(digest.short) is not a valid project manifest: \(error)")
        }

        try manager.createDirectory(at: workspace, withIntermediateDirectories: true)
        // Each distinct blob is downloaded once; further paths with the same content copy it.
        var firstPath: [Digest: URL] = [:]
        var downloads: [(Digest, URL)] = []
        var copies: [(URL, URL)] = []
        for entry in manifest.entries where entry.kind == .file {
            guard let blob = entry.digest else { continue }
            let target = workspace.appendingPathComponent(entry.path)
            try manager.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            if let first = firstPath[blob] {
                copies.append((first, target))
            } else {
                firstPath[blob] = target
                downloads.append((blob, target))
            }
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            var pending = downloads[...]
            // A few at a time: enough to hide latency without flooding the server.
            for _ in 0..<4 {
                guard let (blob, target) = pending.popFirst() else { break }
                group.addTask { try await api.downloadBlob(blob, to: target) }
            }
            while try await group.next() != nil {
                guard let (blob, target) = pending.popFirst() else { continue }
                group.addTask { try await api.downloadBlob(blob, to: target) }
            }
        }
        for (source, target) in copies {
            try? manager.removeItem(at: target)
            try manager.copyItem(at: source, to: target)
        }
        for entry in manifest.entries {
            let target = workspace.appendingPathComponent(entry.path)
            switch entry.kind {
            case .file:
                try manager.setAttributes([.posixPermissions: entry.executable ? 0o755 : 0o644], ofItemAtPath: target.path)
            case .symlink:
                guard let destination = entry.target else { continue }
                try manager.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
                try? manager.removeItem(at: target)
                try manager.createSymbolicLink(atPath: target.path, withDestinationPath: destination)
            }
        }
        let elapsed = ContinuousClock.now - started
        let megabytes = Double(manifest.totalSize) / 1_048_576
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        output("fetched \(manifest.count) file\(manifest.count == 1 ? "" : "s") (\(String(format: "%.1f", megabytes)) MB, "
               + "\(downloads.count) downloaded) in \(String(format: "%.1f", seconds))s\n")
    }
}

/// A failure of the in-Pod agent, as a sentence.
public struct AgentFailure: Error, CustomStringConvertible, Sendable {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
