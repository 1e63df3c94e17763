import AMEPluginKit
import Foundation

/// The tool that builds and pushes images: buildah (daemonless; run with `--isolation
/// chroot`, which works inside containers and CI jobs), podman, or docker (only when its
/// daemon answers). The first one found on `PATH` is used; `--builder` or
/// `AME_IMAGE_BUILDER` choose one.
struct Builder: Sendable {
    enum Kind: String, CaseIterable, Sendable {
        case buildah, podman, docker
    }

    var kind: Kind
    var path: String

    static let installHint = "install buildah, which builds images without a daemon: 'sudo apt-get install buildah' (Debian, Ubuntu), "
        + "'sudo dnf install buildah' (Fedora, RHEL); podman or docker (with its daemon running) work too"

    /// Exit status for "no builder": the service needed is unavailable (EX_UNAVAILABLE).
    static let unavailableStatus: Int32 = 69

    static func find(preferred: String?, environment: [String: String]) async throws -> Builder {
        let wanted = preferred ?? environment["AME_IMAGE_BUILDER"].flatMap { $0.isEmpty ? nil : $0 }
        if let wanted {
            guard let kind = Kind(rawValue: wanted.lowercased()) else {
                throw PluginFailure("'\(wanted)' is not a builder AME knows", hint: "use buildah, podman or docker", exitCode: 64)
            }
            guard let path = BuilderProcess.find(kind.rawValue, environment: environment) else {
                throw PluginFailure("\(kind.rawValue) was asked for, but it is not on the PATH", hint: installHint, exitCode: unavailableStatus)
            }
            let builder = Builder(kind: kind, path: path)
            if kind == .docker, let problem = await builder.dockerDaemonProblem(environment: environment) {
                throw PluginFailure("docker is installed, but its daemon does not answer: \(problem)",
                                    hint: "start the docker daemon, or \(installHint)", exitCode: unavailableStatus)
            }
            return builder
        }
        var dockerProblem: String?
        for kind in Kind.allCases {
            guard let path = BuilderProcess.find(kind.rawValue, environment: environment) else { continue }
            let builder = Builder(kind: kind, path: path)
            if kind == .docker, let problem = await builder.dockerDaemonProblem(environment: environment) {
                dockerProblem = problem
                continue
            }
            return builder
        }
        if let dockerProblem {
            throw PluginFailure("no image builder can run here: docker is installed, but its daemon does not answer (\(dockerProblem)), and neither buildah nor podman is on the PATH",
                                hint: installHint, exitCode: unavailableStatus)
        }
        throw PluginFailure("no image builder found: 'ame image build' needs buildah, podman or docker on the PATH",
                            hint: installHint, exitCode: unavailableStatus)
    }

    /// Nil when `docker` reaches a daemon; else what it said.
    func dockerDaemonProblem(environment: [String: String]) async -> String? {
        guard let outcome = try? await BuilderProcess.run(path, ["version", "--format", "{{.Server.Version}}"], environment: environment, echo: false) else {
            return "it cannot be started"
        }
        if outcome.succeeded { return nil }
        let line = outcome.output.split(whereSeparator: \.isNewline).last { $0.lowercased().contains("daemon") || $0.lowercased().contains("error") }
        return line.map(String.init)?.trimmingCharacters(in: .whitespaces) ?? "docker version failed"
    }

    // MARK: Command lines

    struct BuildRequest {
        var containerfile: URL
        var context: URL
        var image: String
        var labels: [(String, String)]
        var tlsVerify: Bool
        var authFile: URL?
        var noCache: Bool
    }

    func buildArguments(_ request: BuildRequest, environment: [String: String]) -> [String] {
        var arguments = ["build"]
        switch kind {
        case .buildah:
            // The default isolation needs a runtime (runc, crun) and namespaces that
            // containers and CI jobs rarely grant; chroot works everywhere buildah does.
            if environment["BUILDAH_ISOLATION"] == nil { arguments += ["--isolation", "chroot"] }
            arguments += ["--layers"]
        case .podman:
            arguments += ["--layers"]
        case .docker:
            break
        }
        arguments += ["-f", request.containerfile.path, "-t", request.image]
        for (key, value) in request.labels { arguments += ["--label", "\(key)=\(value)"] }
        if request.noCache { arguments.append("--no-cache") }
        if kind != .docker {
            if !request.tlsVerify { arguments.append("--tls-verify=false") }
            if let authFile = request.authFile { arguments += ["--authfile", authFile.path] }
        }
        arguments.append(request.context.path)
        return arguments
    }

    func pushArguments(image: String, tlsVerify: Bool, authFile: URL?, digestFile: URL) -> [String] {
        switch kind {
        case .buildah, .podman:
            var arguments = ["push"]
            if !tlsVerify { arguments.append("--tls-verify=false") }
            if let authFile { arguments += ["--authfile", authFile.path] }
            arguments += ["--digestfile", digestFile.path, image, "docker://\(image)"]
            return arguments
        case .docker:
            return ["push", image]
        }
    }

    /// The environment the builder runs in: docker reads credentials from a config folder,
    /// not an auth file.
    func environment(_ base: [String: String], authFile: URL?) -> [String: String] {
        var environment = base
        if kind == .docker, let authFile {
            environment["DOCKER_CONFIG"] = authFile.deletingLastPathComponent().path
        }
        return environment
    }
}

/// Turns a builder's output into a sentence about what went wrong.
enum BuildFailure {
    enum Cause {
        case authentication, tls, notFound, unreachable, other
    }

    /// The lines of a builder's output that report a problem (its progress lines are full
    /// of digests and image names that must not be mistaken for one).
    static func errorLines(_ output: String) -> String {
        output.split(whereSeparator: \.isNewline).filter { line in
            let lowered = line.lowercased()
            return ["error", "denied", "unauthorized", "failed", "refused", "cannot", "unable"].contains { lowered.contains($0) }
        }.joined(separator: "\n")
    }

    static func cause(in output: String) -> Cause {
        let text = errorLines(output).lowercased()
        if text.contains("server gave http response to https client") || text.contains("x509:") || text.contains("certificate")
            || text.contains("tls: ") || text.contains("tls handshake") {
            return .tls
        }
        if text.contains("unauthorized") || text.contains("authentication required") || text.contains("access denied")
            || text.contains("requested access to the resource is denied") || text.contains("denied:")
            || text.contains("status code 401") || text.contains("401 unauthorized") {
            return .authentication
        }
        if text.contains("manifest unknown") || text.contains("name unknown") || text.contains("not found")
            || text.contains("does not exist") || text.contains("repository does not exist") {
            return .notFound
        }
        if text.contains("connection refused") || text.contains("no such host") || text.contains("i/o timeout")
            || text.contains("network is unreachable") || text.contains("dial tcp") {
            return .unreachable
        }
        return .other
    }

    /// True when the build failed getting its base image rather than in one of its steps.
    static func isPullFailure(_ output: String) -> Bool {
        let text = errorLines(output).lowercased()
        return ["initializing source", "creating build container", "error pulling image", "unable to pull", "failed to pull",
                "pull access denied", "failed to resolve source metadata", "pulling image", "error resolving", "while pulling"]
            .contains { text.contains($0) }
    }

    /// The builder's most telling line: the last one that says error.
    static func reason(in output: String) -> String? {
        let lines = output.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        let line = lines.last { $0.lowercased().hasPrefix("error") || $0.lowercased().contains("level=error") }
            ?? lines.last { $0.lowercased().contains("error") }
            ?? lines.last
        guard var found = line else { return nil }
        if let message = found.range(of: "msg=\"") {
            found = String(found[message.upperBound...]).replacingOccurrences(of: "\"", with: "")
        }
        return found.count > 400 ? String(found.prefix(400)) + "…" : found
    }

    /// The last `STEP n/m: …` line of a buildah or podman build.
    static func lastStep(in output: String) -> String? {
        output.split(whereSeparator: \.isNewline).last { $0.hasPrefix("STEP ") || $0.hasPrefix("Step ") || $0.hasPrefix("#") && $0.contains(" RUN ") }
            .map(String.init)
    }

    static func tlsHint(_ registry: String) -> String {
        "if \(registry) serves plain HTTP or a self-signed certificate, pass --insecure (or list it in AME_INSECURE_REGISTRIES); "
            + "loopback registries are reached without TLS unless --tls-verify=true is given"
    }

    static func authenticationHint(_ registry: String) -> String {
        "log in with '\(loginCommand) login \(registry)', or store USER:PASSWORD in the AME secret 'registry-\(registry.replacingOccurrences(of: ":", with: "-"))' "
            + "(printf 'USER:TOKEN' | ame secret set registry-\(registry.replacingOccurrences(of: ":", with: "-")))"
    }

    static let loginCommand = "buildah"
}
