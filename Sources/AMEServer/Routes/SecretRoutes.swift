import AMECore
import AMEEngine
import Foundation
import Hummingbird

/// `/v1/secrets`: set, list names, delete. A value goes in and never comes out: responses
/// carry names and dates only, and the vault stores values sealed.
enum SecretRoutes {
    struct SetRequest: Codable { var value: Data }
    struct SecretList: Codable { var secrets: [SecretInfo] }

    static func add(to group: RouterGroup<AMERequestContext>, state: ServerState) {
        group.get("secrets") { _, context in
            let api = state.api(for: try context.requireCaller())
            return try JSONResponse.make(SecretList(secrets: try await api.listSecrets()))
        }

        group.put("secrets/{name}") { request, context in
            let api = state.api(for: try context.requireCaller())
            let name = context.parameters.get("name") ?? ""
            var request = request
            let body = try await request.decodeJSON(SetRequest.self, limit: 4 << 20)
            try await api.setSecret(name, value: body.value)
            return JSONResponse.noContent()
        }

        group.delete("secrets/{name}") { _, context in
            let api = state.api(for: try context.requireCaller())
            try await api.deleteSecret(context.parameters.get("name") ?? "")
            return JSONResponse.noContent()
        }
    }
}
