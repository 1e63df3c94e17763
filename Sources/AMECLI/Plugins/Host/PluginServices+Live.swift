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
