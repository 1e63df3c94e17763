import AMECore
import Foundation

/// Uploads a finished run's artifacts to the `destination` of each `artifacts` block that
/// has one, and says which files need not come back to the local directory
/// (`local: false`).
struct ArtifactPublisher: Sendable {
    let provider: (any ObjectStoreProvider)?
    let resolver: StorageSettingsResolver
    let workspace: URL
    let placeholders: S3URL.Placeholders
    /// Files uploaded at once.
    var concurrency = 2

    struct Outcome {
        /// Artifacts uploaded that no `artifacts` block wants back locally.
        var remoteOnly: Set<String> = []
        /// Why uploading failed (nil: everything went up).
        var failure: String?
        var uploaded = 0
    }

    /// The blocks with a destination, each with the task or step whose env and secrets
    /// supply its credentials.
    static func destinations(of task: TaskSpec) -> [(spec: ArtifactsSpec, owner: TaskSpec)] {
        var result: [(ArtifactsSpec, TaskSpec)] = []
        if let spec = task.artifacts, spec.destination != nil { result.append((spec, task)) }
        for step in task.isPipeline ? task.effectiveSteps : [] {
            if let spec = step.artifacts, spec.destination != nil { result.append((spec, step)) }
        }
        return result
    }

    func publish(_ files: [Manifest.Entry], task: TaskSpec, log: StepLog) async -> Outcome {
        var outcome = Outcome()
        let files = files.filter { $0.kind == .file }
        var uploadedRemoteOnly = Set<String>()
        for (spec, owner) in Self.destinations(of: task) {
            guard let destination = spec.destination else { continue }
            let matched = files.filter { Self.matches(spec, $0.path) }
            let expanded = S3URL.expand(destination, with: placeholders)
            guard let url = S3URL(expanded) else {
                outcome.failure = "the artifacts destination '\(expanded)' \(S3URL.problem(in: expanded) ?? "is not an s3:// address")"
                return Outcome(failure: outcome.failure)
            }
            let prefix = url.key.isEmpty || url.key.hasSuffix("/") ? url.key : url.key + "/"
            guard !matched.isEmpty else {
                log.note("⇡ no artifacts to upload to \(S3URL(bucket: url.bucket, key: prefix))")
                continue
            }
            do {
                try await upload(matched, spec: spec, owner: owner, bucket: url.bucket, prefix: prefix, log: log)
            } catch {
                // Nothing is lost: every file still comes back locally.
                return Outcome(failure: "\(error)")
            }
            outcome.uploaded += matched.count
            if !spec.local { uploadedRemoteOnly.formUnion(matched.map(\.path)) }
        }
        // A file stays local when some block that names it keeps files local (or none names it).
        let specs = task.allArtifactSpecs
        outcome.remoteOnly = uploadedRemoteOnly.filter { path in
            !specs.contains { $0.local && Self.matches($0, path) }
        }
        return outcome
    }

    private func upload(_ files: [Manifest.Entry], spec: ArtifactsSpec, owner: TaskSpec, bucket: String, prefix: String, log: StepLog) async throws {
        let destination = S3URL(bucket: bucket, key: prefix)
        let connection: ObjectStoreConnection
        do {
            connection = try resolver.connection(for: .init(secret: spec.secret, endpoint: spec.endpoint, region: spec.region), step: owner)
        } catch {
            throw UploadError(description: "could not upload artifacts to \(destination): \(error)")
        }
        guard let provider else {
            throw UploadError(description: "could not upload artifacts to \(destination): this engine has no S3 client")
        }
        let total = files.reduce(Int64(0)) { $0 + $1.size }
        log.note("⇡ uploading \(RunInputs.count(files.count, "artifact")) (\(ByteCount.text(total))) to \(destination)")
        let store: any ObjectStore
        do {
            store = try provider.store(for: connection) { event in log.note("  " + connection.redact(event)) }
        } catch {
            throw UploadError(description: connection.redact("could not upload artifacts to \(destination): \(error)"))
        }
        let workspace = self.workspace
        try await withThrowingTaskGroup(of: Void.self) { group in
            var next = 0
            func start() {
                guard next < files.count else { return }
                let file = files[next]
                next += 1
                group.addTask {
                    let key = prefix + file.path
                    let progress = TransferProgress(log: log, label: "⇡ " + file.path, total: file.size)
                    do {
                        let etag = try await store.upload(file: workspace.appendingPathComponent(file.path), bucket: bucket, key: key) {
                            progress.update($0)
                        }
                        log.note("⇡ \(file.path) → \(S3URL(bucket: bucket, key: key)) (\(ByteCount.text(file.size)), ETag \(etag))")
                    } catch {
                        throw UploadError(description: connection.redact("could not upload \(file.path) to \(S3URL(bucket: bucket, key: key)): \(error)"))
                    }
                }
            }
            for _ in 0..<concurrency { start() }
            while try await group.next() != nil { start() }
        }
    }

    static func matches(_ spec: ArtifactsSpec, _ path: String) -> Bool {
        spec.paths.isEmpty || spec.paths.contains { (try? GlobPattern($0))?.matches(path) == true }
    }

    struct UploadError: Error, CustomStringConvertible {
        var description: String
    }
}
