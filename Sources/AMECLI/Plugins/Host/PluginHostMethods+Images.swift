import AMECore
import AMEPluginKit
import AMESystem
import Foundation

// The host methods for plugins that work with container images (`ame image`): editing
// `image:` in ame.yaml, and talking to registries with the user's credentials.
extension PluginHostMethods {
    // MARK: project.setImage

    func setImage(_ params: ProjectSetImageParams) throws -> ProjectSetImageResult {
        let location = try ProjectLocation.find(file: nil, directory: nil, context: context)
        guard FileManager.default.fileExists(atPath: location.file.path) else {
            throw RPCError(.invalidProject, "there is no \(ProjectFile.fileName) in \(context.workingDirectory.path) or any folder above it",
                           hint: "run the plugin inside a project, or create one with 'ame create project'")
        }
        let loader = ProjectLoader(location: location, context: context)
        let source = try loader.readSource()
        let edit: ProjectFileEditor.ImageEdit
        do {
            edit = try ProjectFileEditor(source: source).settingImage(task: params.task, step: params.step, image: params.image)
        } catch {
            switch error {
            case .invalidProject:
                throw RPCError(.invalidProject, "\(loader.displayPath) has errors, so AME does not edit it", hint: error.hint)
            case .unsupportedLayout:
                throw RPCError(.hostFailure, "cannot set the image in \(loader.displayPath): \(error)", hint: error.hint)
            default:
                throw RPCError(.invalidParams, error.description, hint: error.hint)
            }
        }
        if edit.changed {
            try AtomicFile.write(Data(edit.source.utf8), to: location.file)
        }
        return ProjectSetImageResult(file: location.file.path, task: params.task, step: params.step, image: params.image,
                                     previous: edit.previous, changed: edit.changed,
                                     line: edit.location.line, column: edit.location.column)
    }

    // MARK: registry.tags, registry.credentials

    func registryTags(_ params: RegistryTagsParams) async throws -> RegistryTagsResult {
        let repository = try Self.repository(params.repository)
        let client = RegistryClient(credentials: .live(context: context), insecure: params.insecure ?? false)
        do {
            let tags = try await client.tags(repository)
            return RegistryTagsResult(registry: repository.registry, repository: repository.path, tags: tags)
        } catch {
            throw RPCError(error.kind == .notFound ? .notFound : .hostFailure, error.message, hint: error.hint)
        }
    }

    func registryCredentials(_ params: RegistryCredentialsParams) async throws -> RegistryCredentialsResult {
        // A bare host (`ghcr.io`, `127.0.0.1:5000`) or an image reference.
        var registry = params.registry
        var path: String?
        if registry.contains("/") || !(registry.contains(".") || registry.contains(":") || registry == "localhost") {
            let repository = try Self.repository(registry)
            registry = repository.registry
            path = repository.path
        }
        do {
            guard let credential = try await RegistryCredentialStore.live(context: context).credential(for: registry, path: path, secret: params.secret) else {
                return RegistryCredentialsResult(registry: registry)
            }
            return RegistryCredentialsResult(registry: registry, username: credential.username, password: credential.password, source: credential.source)
        } catch let failure as RegistryCredentialStore.Failure {
            throw RPCError(.notFound, failure.message, hint: failure.hint)
        }
    }

    static func repository(_ text: String) throws -> RegistryRepository {
        do {
            return try RegistryRepository(parsing: text)
        } catch {
            throw RPCError(.invalidParams, "'\(text)' is not a valid image reference: \(error.message)",
                           hint: error.hint ?? "an image repository looks like registry.example.com/team/name")
        }
    }
}
