import AMECore
import AMEEngine
import Foundation
import Hummingbird

/// `/v1/tokens` (admins only): make a token for a user (shown once), list tokens (never
/// their values), revoke one.
enum TokenRoutes {
    static func add(to group: RouterGroup<AMERequestContext>, state: ServerState) {
        group.post("tokens") { request, context in
            try requireAdmin(context)
            var request = request
            let body = try await request.decodeJSON(TokenRequest.self, limit: 64 << 10)
            let (token, record) = try state.tokens.create(user: body.user, admin: body.admin ?? false, description: body.description)
            context.logger.info("token created", metadata: ["token_id": "\(record.id)", "for": "\(record.user)"])
            return try JSONResponse.make(CreatedToken(token: token, info: TokenInfo(record)), status: .created)
        }

        group.get("tokens") { _, context in
            try requireAdmin(context)
            return try JSONResponse.make(TokenList(tokens: try state.tokens.list().map(TokenInfo.init)))
        }

        group.delete("tokens/{id}") { _, context in
            try requireAdmin(context)
            let id = context.parameters.get("id") ?? ""
            guard id != context.caller?.tokenID else {
                throw APIError(.conflict, "this request uses token \(id); an admin cannot revoke the token they are using",
                               hint: "revoke it with another admin token")
            }
            let record = try state.tokens.revoke(id: id)
            context.logger.info("token revoked", metadata: ["token_id": "\(record.id)"])
            return try JSONResponse.make(TokenInfo(record))
        }
    }

    static func requireAdmin(_ context: AMERequestContext) throws {
        guard try context.requireCaller().admin else {
            throw APIError(.forbidden, "only an admin can manage tokens", hint: "ask the server's admin")
        }
    }
}

extension TokenInfo {
    init(_ record: StoredToken) {
        self.init(id: record.id, user: record.user, admin: record.admin, description: record.description,
                  createdAt: record.createdAt, lastUsedAt: record.lastUsedAt, revokedAt: record.revokedAt)
    }
}
