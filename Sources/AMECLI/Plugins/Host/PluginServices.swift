import AMECore
import AMEPluginKit
import Foundation

/// What host methods need from the rest of AME, as closures so that the plugin router
/// does not depend on how runs are made (the embedded engine or a server) and tests can
/// put a fake engine behind a real plugin.
public struct PluginServices: Sendable {
    /// The jobs API of this invocation (`run.get`, `run.cancel`, `run.logs`).
    public var jobsAPI: @Sendable () throws -> any JobsAPI
    /// Uploads the project and submits the run (`run.submit`).
    public var submitProject: @Sendable (PluginRunSubmission) async throws -> RunRecord
    /// Forwards a local port to a run's service port (`tunnel.open`).
    public var openTunnel: @Sendable (TunnelOpenParams) async throws -> TunnelInfo
    /// Brings a run's artifacts into the project directory (`artifacts.download`).
    public var downloadArtifacts: @Sendable (String) async throws -> ArtifactsDownloadResult

    public init(
        jobsAPI: @escaping @Sendable () throws -> any JobsAPI,
        submitProject: @escaping @Sendable (PluginRunSubmission) async throws -> RunRecord,
        openTunnel: @escaping @Sendable (TunnelOpenParams) async throws -> TunnelInfo,
        downloadArtifacts: @escaping @Sendable (String) async throws -> ArtifactsDownloadResult = { _ in
            throw ServiceUnavailable("this AME cannot download artifacts for plugins")
        }
    ) {
        self.jobsAPI = jobsAPI
        self.submitProject = submitProject
        self.openTunnel = openTunnel
        self.downloadArtifacts = downloadArtifacts
    }

    /// How each invocation gets its services. Tests replace it for the duration of a call
    /// with `PluginServices.$factory.withValue(…)`.
    @TaskLocal public static var factory: @Sendable (CommandContext) -> PluginServices = { PluginServices.live(context: $0) }
}

/// A `run.submit` as the host understood it: everything needed to upload and submit.
public struct PluginRunSubmission: Sendable {
    public var task: String
    /// The project folder to upload and its `ame.yaml` within it.
    public var projectDirectory: URL
    public var projectFile: String
    public var env: [EnvVar]
    public var command: String?
    public var resources: Resources?
    public var ports: [PortSpec]
    /// Includes `plugin: NAME`.
    public var labels: [String: String]
    public var secretEnv: [EnvVar]
    public var extraPackages: [String]
    public var image: String?
    public var idleTimeoutSeconds: Int?
    public var dependencies: DependencyManager?

    public init(task: String, projectDirectory: URL, projectFile: String = ProjectFile.fileName, env: [EnvVar] = [],
                command: String? = nil, resources: Resources? = nil, ports: [PortSpec] = [], labels: [String: String] = [:],
                secretEnv: [EnvVar] = [], extraPackages: [String] = [], image: String? = nil, idleTimeoutSeconds: Int? = nil,
                dependencies: DependencyManager? = nil) {
        self.task = task
        self.projectDirectory = projectDirectory
        self.projectFile = projectFile
        self.env = env
        self.command = command
        self.resources = resources
        self.ports = ports
        self.labels = labels
        self.secretEnv = secretEnv
        self.extraPackages = extraPackages
        self.image = image
        self.idleTimeoutSeconds = idleTimeoutSeconds
        self.dependencies = dependencies
    }

    /// The request to submit once the project is uploaded as `manifest`.
    public func request(manifest: Manifest) -> RunRequest {
        RunRequest(task: task, manifest: manifest, projectFile: projectFile, env: env, resources: resources,
                   command: command, ports: ports, labels: labels, idleTimeoutSeconds: idleTimeoutSeconds,
                   secretEnv: secretEnv.isEmpty ? nil : secretEnv, extraPackages: extraPackages.isEmpty ? nil : extraPackages,
                   image: image, dependencies: dependencies)
    }
}
