import AMEPluginKit
import ArgumentParser
import Foundation

/// `ame image push`: pushes an image built by `ame image build` (by default the project's
/// last one) to its registry.
struct PushImage: AMEPluginCommand {
    static let configuration = CommandConfiguration(
        commandName: "push",
        abstract: "Push an image to its registry (default: the project's last build).")

    @Argument(help: ArgumentHelp("The image to push (default: the last one 'ame image build' made here).", valueName: "image"))
    var image: String?

    @Option(name: .long, help: ArgumentHelp("The builder whose storage holds the image (default: the one that built it).", valueName: "builder"),
            completion: .list(["buildah", "podman", "docker"]))
    var builder: String?

    @Option(name: .long, help: ArgumentHelp("The AME secret holding USER:PASSWORD for the registry (default: registry-HOST).", valueName: "secret"),
            completion: AMECompletion.secret)
    var registrySecret: String?

    @OptionGroup var registryOptions: RegistryOptions

    @Flag(help: "Print the result as JSON on stdout (messages stay on stderr).")
    var json = false

    func run(host: AMEHost) async throws -> PluginOutcome {
        host.printsJSON = json
        let environment = ProcessInfo.processInfo.environment
        let project = try await ProjectSnapshot.load(host)
        let state = PluginState.load(environment: environment).projects[project.directory.path]
        guard let text = image ?? state?.lastBuild else {
            throw PluginFailure("there is no image to push: nothing was built in this project yet",
                                hint: "build one with 'ame image build', or name the image: 'ame image push REGISTRY/NAME:TAG'", exitCode: 64)
        }
        let name = try ImageName.argument(text, what: "the image to push:")
        let builder = try await Builder.find(preferred: self.builder ?? (image == nil ? state?.builder : nil), environment: environment)
        let digest = try await Self.push(name, builder: builder, access: registryOptions.access(environment), secret: registrySecret,
                                         host: host, environment: environment)
        PluginState.update(environment: environment, project: project.directory) {
            $0.lastPush = name.description
            $0.digest = digest
        }
        host.print("pushed \(name)\(digest.map { " (\($0))" } ?? "")")
        var data: [String: JSONValue] = ["image": .string(name.description)]
        if let digest { data["digest"] = .string(digest) }
        return PluginOutcome(exitCode: 0, data: .object(data))
    }

    /// Pushes `image`; returns the digest the registry stored it under.
    static func push(_ image: ImageName, builder: Builder, access: RegistryAccess, secret: String?, host: AMEHost,
                     environment: [String: String]) async throws -> String? {
        host.log("pushing \(image) with \(builder.kind.rawValue)")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ame-image-push-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let digestFile = folder.appendingPathComponent("digest")
        let outcome = try await access.withAuthFile(for: [image], secret: secret, secretFor: image, host: host) { authFile in
            try await BuilderProcess.run(builder.path,
                                         builder.pushArguments(image: image.description, tlsVerify: access.verifiesTLS(for: image),
                                                               authFile: authFile, digestFile: digestFile),
                                         environment: builder.environment(environment, authFile: authFile), host: host)
        }
        guard outcome.succeeded else { throw pushFailure(outcome, image: image, builder: builder) }
        if let data = FileManager.default.contents(atPath: digestFile.path) {
            let digest = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            if !digest.isEmpty { return digest }
        }
        // docker prints "latest: digest: sha256:… size: 528".
        if let range = outcome.output.range(of: "digest: sha256:") {
            let hex = outcome.output[range.upperBound...].prefix { $0.isHexDigit }
            if hex.count == 64 { return "sha256:\(hex)" }
        }
        return nil
    }

    static func pushFailure(_ outcome: BuilderProcess.Outcome, image: ImageName, builder: Builder) -> PluginFailure {
        let reason = BuildFailure.reason(in: outcome.output) ?? "\(builder.kind.rawValue) ended with status \(outcome.status)"
        let registry = image.registry
        let lowered = outcome.output.lowercased()
        if lowered.contains("image not known") || lowered.contains("no such image") || lowered.contains("does not exist in local storage")
            || lowered.contains("identifier is not an image") {
            return PluginFailure("the image \(image) is not in \(builder.kind.rawValue)'s storage (\(reason))",
                                 hint: "build it first with 'ame image build --tag \(image)'")
        }
        switch BuildFailure.cause(in: outcome.output) {
        case .authentication:
            return PluginFailure("the registry \(registry) refused the push of \(image): authentication failed (\(reason))",
                                 hint: BuildFailure.authenticationHint(registry))
        case .tls:
            return PluginFailure("the registry \(registry) refused the push of \(image): TLS failed (\(reason))", hint: BuildFailure.tlsHint(registry))
        case .unreachable:
            return PluginFailure("the registry \(registry) cannot be reached to push \(image) (\(reason))",
                                 hint: "check the registry's address and that it is running")
        case .notFound, .other:
            return PluginFailure("the push of \(image) to \(registry) failed: \(reason)", hint: "the output of \(builder.kind.rawValue) above shows why")
        }
    }
}
