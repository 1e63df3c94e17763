import AMECore
import Foundation

/// `ame validate --remote`: every `image:` of a task or step asked of its registry.
extension ValidateCommand {
    /// One `image:` in the file: where it stands and whom it belongs to.
    struct ImageUse: Sendable {
        var image: String
        var task: String
        var step: String?
        /// `task 'train'` or `step 'fit' of task 'main'`.
        var owner: String
        /// The key into `ProjectFile.locations`.
        var path: String
    }

    /// What the registry said about one image use.
    struct ImageCheck: Encodable, Sendable {
        var image: String
        var task: String
        var step: String?
        /// True or false when the registry answered; nil when it could not be asked.
        var exists: Bool?
        var digest: String?
        var problem: String?
        var diagnostic: Diagnostic?

        enum CodingKeys: String, CodingKey {
            case image, task, step, exists, digest, problem
        }
    }

    /// Every image named in the file, task images before their steps', in file order.
    static func imageUses(_ project: ProjectFile) -> [ImageUse] {
        var uses: [ImageUse] = []
        for task in project.tasks {
            if let image = task.image {
                uses.append(ImageUse(image: image, task: task.name, owner: "task '\(task.name)'", path: "tasks.\(task.name).image"))
            }
            for step in task.pipeline ?? [] {
                if let image = step.image {
                    uses.append(ImageUse(image: image, task: task.name, step: step.name, owner: "step '\(step.name)' of task '\(task.name)'",
                                         path: "tasks.\(task.name).pipeline.\(step.name).image"))
                }
            }
        }
        return uses
    }

    func checkImages(_ project: ProjectFile, source: String, file: String, context: CommandContext) async -> [ImageCheck] {
        let uses = Self.imageUses(project)
        guard !uses.isEmpty else { return [] }
        let client = RegistryClient(credentials: .live(context: context), insecure: insecure)
        // Each image is asked once, however many tasks name it.
        var answers: [String: Result<RegistryClient.ManifestInfo?, RegistryClient.Failure>] = [:]
        var tagLists: [String: [String]?] = [:]
        var checks: [ImageCheck] = []
        let lines = source.split(separator: "\n", omittingEmptySubsequences: false)
        for use in uses {
            var check = ImageCheck(image: use.image, task: use.task, step: use.step)
            var location = project.locations[use.path] ?? .start
            // Point inside quotes, at the reference itself.
            if lines.indices.contains(location.line - 1) {
                let text = Array(lines[location.line - 1].unicodeScalars)
                if text.indices.contains(location.column - 1), text[location.column - 1] == "\"" || text[location.column - 1] == "'" {
                    location.column += 1
                }
            }
            guard let repository = try? RegistryRepository(parsing: use.image) else { continue }
            let answer: Result<RegistryClient.ManifestInfo?, RegistryClient.Failure>
            if let known = answers[use.image] {
                answer = known
            } else {
                do {
                    answer = .success(try await client.manifest(repository))
                } catch {
                    answer = .failure(error)
                }
                answers[use.image] = answer
            }
            switch answer {
            case .success(let info?):
                check.exists = true
                check.digest = info.digest
            case .success(nil):
                check.exists = false
                let key = "\(repository.registry)/\(repository.path)"
                if tagLists[key] == nil {
                    tagLists[key] = .some(try? await client.tags(repository))
                }
                let tags = tagLists[key] ?? nil
                var hint: String
                if let tags, !tags.isEmpty {
                    let shown = tags.sorted().suffix(8).joined(separator: ", ")
                    if let close = Suggestion.closest(to: repository.reference, in: tags) {
                        hint = "did you mean '\(close)'? The repository has the tags: \(shown)"
                    } else {
                        hint = "the repository has the tags: \(shown)"
                    }
                } else {
                    hint = "the registry has no repository '\(repository.path)': build and push the image with 'ame image build --push', or check the name"
                }
                if tags != nil && tags?.isEmpty == true {
                    hint = "the repository '\(repository.path)' has no tags: build and push the image with 'ame image build --push'"
                }
                check.problem = "not found"
                check.diagnostic = Diagnostic(
                    file: file, location: location, severity: .error,
                    message: "image '\(use.image)' of \(use.owner) does not exist in the registry \(repository.registry)",
                    hint: hint)
            case .failure(let failure):
                check.problem = failure.message
                check.diagnostic = Diagnostic(
                    file: file, location: location, severity: .warning,
                    message: "could not check image '\(use.image)' of \(use.owner): \(failure.message)",
                    hint: failure.hint)
            }
            checks.append(check)
        }
        return checks
    }
}
