import AMEPluginKit
import ArgumentParser
import Foundation

/// `ame image build`: builds the project's Containerfile with the first builder found, and
/// with `--push` pushes the image (and with `--use TASK` pins it in ame.yaml).
struct BuildImage: AMEPluginCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Build the project's image with buildah, podman or docker (and push it).",
        discussion: """
            Without --tag, the image goes to the repository named by 'ame image init --repository' \
            (or AME_IMAGE_REPOSITORY), tagged with the time of the build (20260314-093015).
            """)

    @Option(name: [.customShort("t"), .long], help: ArgumentHelp("The image to build: REGISTRY/NAME:TAG (a missing tag becomes the build's time).", valueName: "image"))
    var tag: String?

    @Flag(name: .long, help: "Push the image to its registry once it is built.")
    var push = false

    @Option(name: .long, help: ArgumentHelp("With --push: set the image of this task (TASK or TASK/STEP) in ame.yaml; repeatable.", valueName: "task"),
            completion: AMECompletion.task)
    var use: [String] = []

    @Option(name: .long, help: ArgumentHelp("The Containerfile, relative to the project.", valueName: "path"), completion: .file())
    var file = Containerfile.defaultName

    @Option(name: .long, help: ArgumentHelp("The builder to use: buildah, podman or docker (default: the first on the PATH).", valueName: "builder"),
            completion: .list(["buildah", "podman", "docker"]))
    var builder: String?

    @Option(name: .long, help: ArgumentHelp("The AME secret holding USER:PASSWORD for the target registry (default: registry-HOST).", valueName: "secret"),
            completion: AMECompletion.secret)
    var registrySecret: String?

    @Flag(name: .long, help: "Build every step again, ignoring cached layers.")
    var noCache = false

    @OptionGroup var registryOptions: RegistryOptions

    func validate() throws {
        if !use.isEmpty && !push {
            throw ValidationError("--use pins the pushed image in ame.yaml, so it needs --push")
        }
    }

    @Flag(help: "Print the result as JSON on stdout (messages stay on stderr).")
    var json = false

    func run(host: AMEHost) async throws -> PluginOutcome {
        host.printsJSON = json
        let environment = ProcessInfo.processInfo.environment
        let project = try await ProjectSnapshot.load(host)
        let containerfile = project.directory.appendingPathComponent(file)
        guard let data = FileManager.default.contents(atPath: containerfile.path) else {
            throw PluginFailure("there is no \(file) in \(project.directory.path)",
                                hint: "write one with 'ame image init' (or name another with --file)")
        }
        let text = String(decoding: data, as: UTF8.self)
        let image = try targetImage(project: project, containerfile: text, environment: environment)
        for entry in use { _ = try UseImage.split(entry) }
        let builder = try await Builder.find(preferred: self.builder, environment: environment)
        let access = registryOptions.access(environment)
        let bases = Containerfile.baseImages(in: text).compactMap { try? ImageName(parsing: $0) }

        host.log("building \(image) with \(builder.kind.rawValue) (\(builder.path))")
        let built = try await access.withAuthFile(for: bases + [image], secret: registrySecret, secretFor: image, host: host) { authFile in
            let request = Builder.BuildRequest(
                containerfile: containerfile, context: project.directory, image: image.description,
                labels: Containerfile.labels(project: project.name),
                tlsVerify: bases.allSatisfy { access.verifiesTLS(for: $0) }, authFile: authFile, noCache: noCache)
            return try await BuilderProcess.run(builder.path, builder.buildArguments(request, environment: environment),
                                                environment: builder.environment(environment, authFile: authFile),
                                                directory: project.directory, host: host)
        }
        guard built.succeeded else {
            throw Self.buildFailure(built, bases: bases, containerfile: file, builder: builder)
        }
        PluginState.update(environment: environment, project: project.directory) {
            $0.lastBuild = image.description
            $0.builder = builder.kind.rawValue
        }
        host.print("built \(image) with \(builder.kind.rawValue)")
        var result: [String: JSONValue] = ["image": .string(image.description), "builder": .string(builder.kind.rawValue), "pushed": false]
        guard push else {
            host.print("next: ame image push \(image)")
            return PluginOutcome(exitCode: 0, data: .object(result))
        }
        let digest = try await PushImage.push(image, builder: builder, access: access, secret: registrySecret, host: host, environment: environment)
        PluginState.update(environment: environment, project: project.directory) {
            $0.lastPush = image.description
            $0.digest = digest
        }
        host.print("pushed \(image)\(digest.map { " (\($0))" } ?? "")")
        result["pushed"] = true
        if let digest { result["digest"] = .string(digest) }
        var pinned: [JSONValue] = []
        for entry in use {
            let (task, step) = try UseImage.split(entry)
            let change = try await host.setImage(task: task, step: step, image: image.description)
            host.print(UseImage.sentence(change))
            pinned.append(.string(entry))
        }
        if !pinned.isEmpty { result["tasks"] = .array(pinned) }
        return PluginOutcome(exitCode: 0, data: .object(result))
    }

    /// `--tag`, else the project's repository with the time as tag, else (without --push) a
    /// local name.
    func targetImage(project: ProjectSnapshot, containerfile: String, environment: [String: String]) throws -> ImageName {
        if let tag {
            let name = try ImageName.argument(tag, what: "--tag:")
            guard name.digest == nil else {
                throw PluginFailure("--tag cannot name a digest ('\(tag)'): the registry gives the digest when the image is pushed",
                                    hint: "write REGISTRY/NAME:TAG", exitCode: 64)
            }
            return name.tag == nil ? name.tagged(timestampTag()) : name
        }
        let remembered = Containerfile.repository(in: containerfile)
            ?? environment["AME_IMAGE_REPOSITORY"].flatMap { $0.isEmpty ? nil : $0 }
        if let remembered {
            return try ImageName.argument(remembered, what: "the project's image repository:").tagged(timestampTag())
        }
        guard !push else {
            throw PluginFailure("there is no registry to push the image to",
                                hint: "pass --tag REGISTRY/NAME:TAG, or remember a repository with 'ame image init --repository REGISTRY/NAME --force' "
                                    + "(or the line '\(Containerfile.repositoryDirective)REGISTRY/NAME' in the Containerfile)",
                                exitCode: 64)
        }
        return try ImageName.argument("localhost/ame/\(repositoryComponent(project.name))", what: "the local image name:").tagged(timestampTag())
    }

    static func buildFailure(_ outcome: BuilderProcess.Outcome, bases: [ImageName], containerfile: String, builder: Builder) -> PluginFailure {
        let reason = BuildFailure.reason(in: outcome.output) ?? "\(builder.kind.rawValue) ended with status \(outcome.status)"
        if BuildFailure.isPullFailure(outcome.output) {
            let base = bases.first { outcome.output.contains($0.repository) } ?? bases.first
            let named = base.map { "the base image '\($0)'" } ?? "the base image"
            let registry = base?.registry ?? "the registry"
            switch BuildFailure.cause(in: outcome.output) {
            case .authentication:
                return PluginFailure("\(named) cannot be pulled: \(registry) refused access (\(reason))", hint: BuildFailure.authenticationHint(registry))
            case .tls:
                return PluginFailure("\(named) cannot be pulled: TLS with \(registry) failed (\(reason))", hint: BuildFailure.tlsHint(registry))
            case .notFound:
                return PluginFailure("\(named) cannot be pulled: \(registry) has no such image (\(reason))",
                                     hint: "check the FROM line of \(containerfile); 'ame image ls \(base?.repository ?? "REPOSITORY")' lists the tags there are")
            case .unreachable:
                return PluginFailure("\(named) cannot be pulled: \(registry) cannot be reached (\(reason))",
                                     hint: "check the registry's address and your network; a base image already pulled is used without the network")
            case .other:
                return PluginFailure("\(named) cannot be pulled: \(reason)", hint: "check the FROM line of \(containerfile)")
            }
        }
        let step = BuildFailure.lastStep(in: outcome.output).map { " at \($0)" } ?? ""
        return PluginFailure("the build failed\(step): \(reason)",
                             hint: "the output of \(builder.kind.rawValue) above shows why; fix \(containerfile) and build again (cached layers make it quick)")
    }
}
