import AMESystem
import Foundation

/// A kubeconfig `exec` credential plugin (`aws eks get-token`, `gke-gcloud-auth-plugin`):
/// run it, read the `ExecCredential` it prints, and reuse its token until it expires.
public final class ExecCredentialPlugin: Sendable {
    public let command: String
    public let arguments: [String]
    public let environment: [String: String]
    public let apiVersion: String
    public let installHint: String?
    private let cache = Locked<(token: String, expires: Date?)?>(nil)

    public init(command: String, arguments: [String], environment: [String: String], apiVersion: String, installHint: String?) {
        self.command = command
        self.arguments = arguments
        self.environment = environment
        self.apiVersion = apiVersion
        self.installHint = installHint
    }

    struct Credential: Decodable {
        struct Status: Decodable {
            var token: String?
            var expirationTimestamp: String?
        }
        var status: Status?
    }

    /// A token that is valid now, running the plugin when there is none (or it expires
    /// within a minute).
    public func token() async throws -> String {
        if let cached = cache.value, cached.expires.map({ $0.timeIntervalSinceNow > 60 }) ?? true {
            return cached.token
        }
        var processEnvironment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        processEnvironment["KUBERNETES_EXEC_INFO"] = #"{"apiVersion":"\#(apiVersion)","kind":"ExecCredential","spec":{"interactive":false}}"#
        let executable = command.contains("/") ? command : (ExecutableLookup.find(command, path: processEnvironment["PATH"]) ?? command)
        var configuration = ChildProcess.Configuration(executable: executable, arguments: arguments, environment: processEnvironment)
        configuration.standardOutput = .pipe
        configuration.standardError = .pipe
        let child: ChildProcess
        do {
            child = try ChildProcess.spawn(configuration)
        } catch {
            throw KubernetesConfiguration.LoadError("cannot run the kubeconfig credential plugin '\(command)': \(error)",
                                                    hint: installHint ?? "install it, or use a kubeconfig with a token or client certificate")
        }
        async let output = Self.readAll(child.standardOutput)
        async let errors = Self.readAll(child.standardError)
        let status = await child.waitForExit()
        let (stdout, stderr) = await (output, errors)
        guard status.succeeded else {
            let said = String(decoding: stderr, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw KubernetesConfiguration.LoadError("the kubeconfig credential plugin '\(command)' failed (\(status))\(said.isEmpty ? "" : ": \(said)")")
        }
        guard let credential = try? JSONDecoder().decode(Credential.self, from: stdout), let token = credential.status?.token, !token.isEmpty else {
            throw KubernetesConfiguration.LoadError("the kubeconfig credential plugin '\(command)' printed no token",
                                                    hint: "AME supports plugins that return a token (client certificates from plugins are not supported)")
        }
        let expires = credential.status?.expirationTimestamp.flatMap { KubernetesTime.parse($0) }
        cache.set((token, expires))
        return token
    }

    private static func readAll(_ handle: FileHandle?) async -> Data {
        guard let handle else { return Data() }
        return await PipeReader.readAll(handle)
    }
}
