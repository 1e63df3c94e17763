import AMECLI
import AMECore
import Foundation

/// For tests with the fake engine: uploads a project and submits a run, as `ProjectUploader`
/// does for the real one — scan the folder into a
/// manifest, upload only the blobs the engine lacks, then submit the request.
enum ProjectUpload {
    static func submit(
        _ submission: PluginRunSubmission,
        api: any JobsAPI,
        scan: @Sendable (URL) async throws -> Manifest
    ) async throws -> RunRecord {
        let manifest = try await scan(submission.projectDirectory)
        let missing = try await api.missingBlobs(manifest.digests.sorted())
        if !missing.isEmpty {
            var pathByDigest: [Digest: String] = [:]
            for entry in manifest.entries {
                if let digest = entry.digest, pathByDigest[digest] == nil { pathByDigest[digest] = entry.path }
            }
            for digest in missing {
                guard let path = pathByDigest[digest] else {
                    throw CLIError("the engine asked for a blob the project does not have (\(digest))",
                                   hint: "this is a bug in the engine; try again")
                }
                try await api.uploadBlob(digest, from: submission.projectDirectory.appendingPathComponent(path))
            }
        }
        return try await api.submitRun(submission.request(manifest: manifest))
    }
}
