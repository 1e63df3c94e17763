import AMECore
import Hummingbird

/// Requires `Authorization: Bearer TOKEN` on every route but the open ones (`/healthz`) and
/// the dashboard's (which has its own session check), and puts the caller in the context. Unknown, revoked and malformed tokens get the same
/// 401, so an answer says nothing about which tokens exist.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = AMERequestContext
    let authority: TokenAuthority
    let openPaths: Set<String>
    /// What a run's agent token may reach: the blob routes (fetch the step's files, upload
    /// what it produced).
    static let agentPaths = ["/v1/blobs"]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if openPaths.contains(request.uri.path) || DashboardRoutes.owns(request.uri.path) {
            return try await next(request, context)
        }
        guard let header = request.headers[.authorization] else {
            throw APIError.unauthorizedRequest("this route needs a token (Authorization: Bearer TOKEN)")
        }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw APIError.unauthorizedRequest("the Authorization header must be 'Bearer TOKEN'")
        }
        guard let caller = authority.authenticate(String(parts[1]).trimmingCharacters(in: .whitespaces)) else {
            throw APIError.unauthorizedRequest("the token is not valid (unknown or revoked)")
        }
        if let runID = caller.runID, !Self.agentPaths.contains(where: { request.uri.path.hasPrefix($0) }) {
            throw APIError(.forbidden, "this token belongs to the Pods of run \(runID): it may only fetch and upload files",
                           hint: "use your own token ('ame setup')")
        }
        var context = context
        context.caller = caller
        context.logger[metadataKey: "user"] = "\(caller.user)"
        return try await next(request, context)
    }
}
