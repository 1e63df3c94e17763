import AMECore
import AMEPluginKit
import Foundation

// The wiring of host methods to the rest of AME: the jobs API of this invocation (embedded
// engine or server), the same uploader `ame run` uses, and the same port forwarder as
// `ame port-forward`.
extension PluginServices {
    static func live(context: CommandContext) -> PluginServices {
        let jobsAPI: @Sendable () throws -> any JobsAPI = { try context.jobsAPI() }
        return PluginServices(
            jobsAPI: jobsAPI,
            submitProject: { submission in
                let api = try jobsAPI()
                let upload = try await ProjectUploader(api: api, context: context).upload(directory: submission.projectDirectory)
                return try await api.submitRun(submission.request(manifest: upload.manifest))
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
            })
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
