import AMECore
import AMEPluginKit
import Foundation

// The wiring of host methods to the rest of AME. Runs, project scanning and tunnels are
// built elsewhere; until they are wired here, host methods that need them answer with a
// clear "not available" error (JSON-RPC code -32003, exit status 69).
//
// To wire (one line each):
//   jobsAPI:     { try context.jobsAPI() }
//   scanProject: { directory in try await ProjectScanner(…).scan(directory) }
//   openTunnel:  the engine's port forwarder, when runs can expose ports
extension PluginServices {
    static func live(context: CommandContext) -> PluginServices {
        let jobsAPI: @Sendable () throws -> any JobsAPI = {
            throw ServiceUnavailable("runs are not available yet in this build of AME",
                           hint: "plugins can use project.get; run.* host methods arrive with the engine")
        }
        let scanProject: @Sendable (URL) async throws -> Manifest = { _ in
            throw ServiceUnavailable("project upload is not available yet in this build of AME",
                           hint: "run.submit arrives with the project scanner")
        }
        return PluginServices(
            jobsAPI: jobsAPI,
            submitProject: { submission in
                try await ProjectUpload.submit(submission, api: try jobsAPI(), scan: scanProject)
            },
            openTunnel: { _ in
                throw ServiceUnavailable("tunnels are not available on this engine",
                               hint: "tunnel.open needs an engine whose runs can expose ports")
            })
    }
}
