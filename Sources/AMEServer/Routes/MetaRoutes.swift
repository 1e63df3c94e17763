import AMECore
import AMEEngine
import AMESystem
import Foundation
import Hummingbird
import NIOCore

/// `/healthz` (no token), `/v1/whoami`, `/v1/openapi.yaml`, `/metrics` (admins).
enum MetaRoutes {
    struct Health: Codable { var status: String; var version: String }

    static func add(to router: Router<AMERequestContext>, v1: RouterGroup<AMERequestContext>, state: ServerState) {
        router.get("healthz") { _, _ in
            try JSONResponse.make(Health(status: "ok", version: BuildInfo.version))
        }

        router.get("metrics") { _, context in
            guard try context.requireCaller().admin else {
                throw APIError(.forbidden, "only an admin can read the metrics", hint: "scrape with an admin token")
            }
            let text = state.metrics.render(store: state.engine.store)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                            body: ResponseBody(byteBuffer: ByteBuffer(bytes: text)))
        }

        v1.get("whoami") { _, context in
            try JSONResponse.make(try await state.api(for: try context.requireCaller()).whoami())
        }

        v1.get("openapi.yaml") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/yaml"],
                     body: ResponseBody(byteBuffer: ByteBuffer(bytes: OpenAPIDocument.bytes)))
        }
    }
}

/// The API's OpenAPI document, compiled into the server (Sources/AMEServer/openapi.yaml).
public enum OpenAPIDocument {
    public static var bytes: [UInt8] { PackageResources.openapi_yaml }
    public static var text: String { String(decoding: bytes, as: UTF8.self) }
}
