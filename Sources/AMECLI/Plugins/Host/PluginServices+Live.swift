import AMECore
import AMEPluginKit
import Foundation

// The wiring of host methods to the rest of AME: the jobs API of this invocation (embedded
// engine or server), the same uploader `ame run` uses, the same port forwarder as
// `ame port-forward`, and the same artifact downloader as `ame run`.
extension PluginServices {
    static func live(context: CommandContext) -> PluginServices {
        let jobsAPI: @Sendable () throws -> any JobsAPI = { try context.jobsAPI() }
        return PluginServices(
            jobsAPI: jobsAPI,
            submitProject: { submission in
                let api = try jobsAPI()
                let upload = try await ProjectUploader(api: api, context: context).upload(directory: submission.projectDirectory)
                let run = try await api.submitRun(submission.request(manifest: upload.manifest))
                // What the run started from, for bringing its files back later (artifacts.download).
                RunSnapshots(context: context).save(upload.manifest, runID: run.id)
                return run
            },
            openTunnel: { params in
                let api = try jobsAPI()
                // Check now, so a wrong run or port is the plugin's error, not a silent
                // listener whose connections all fail.
                let run = try await api.getRun(params.runId)
                guard run.status.isActive else {
                    throw APIError(.conflict, "run \(run.id) has ended (\(run.status.rawValue)); its ports are closed")
                }
                guard run.ports.contains(where: { $0.port == params.port }) else {
                    throw APIError(.notFound, "run \(run.id) has no port \(params.port)",
                                   hint: run.ports.isEmpty ? "it is not a service run" : "its ports: \(run.ports.map { String($0.port) }.joined(separator: ", "))")
                }
                let forwarder = try PortForwarder(api: api, runID: params.runId, remotePort: params.port, localPort: params.localPort ?? 0)
                forwarder.start()
                // The tunnel lives as long as this `ame` process: the plugin's session.
                OpenTunnels.shared.keep(forwarder)
                return TunnelInfo(localPort: forwarder.localPort, url: "http://127.0.0.1:\(forwarder.localPort)")
            },
            downloadArtifacts: { runID in
                try await downloadArtifacts(runID: runID, api: jobsAPI(), context: context)
            })
    }

    /// `artifacts.download`: the run's artifacts into the project of the working directory,
    /// which must be the run's project.
    static func downloadArtifacts(runID: String, api: any JobsAPI, context: CommandContext) async throws -> ArtifactsDownloadResult {
        let location = try ProjectLocation.find(file: nil, directory: nil, context: context)
        guard FileManager.default.fileExists(atPath: location.file.path) else {
            throw RPCError(.invalidProject, "there is no \(ProjectFile.fileName) in \(context.workingDirectory.path) or any folder above it",
                           hint: "bring a run's files back from inside its project directory")
        }
        let project = try ProjectLoader(location: location, context: context).load()
        let run = try await api.getRun(runID)
        guard run.project == project.projectName else {
            throw RPCError(.invalidParams, "run \(run.id) belongs to project '\(run.project)', not to '\(project.projectName)' in \(location.directory.path)",
                           hint: "run the command in the directory of project '\(run.project)'")
        }
        let report = try await ArtifactDownloader(api: api, context: context).bringBack(run, into: location.directory)
        return ArtifactsDownloadResult(
            directory: location.directory.path, written: report.written, unchanged: report.unchanged,
            conflicts: report.conflicts.map { ArtifactsDownloadResult.Conflict(path: $0.path, savedAs: $0.savedAs) },
            skipped: report.skipped)
    }
}

/// Port forwarders opened for plugins, kept alive until the process ends.
final class OpenTunnels: @unchecked Sendable {
    static let shared = OpenTunnels()
    private let lock = NSLock()
    private var forwarders: [PortForwarder] = []

    func keep(_ forwarder: PortForwarder) {
        lock.withLock { forwarders.append(forwarder) }
    }
}
