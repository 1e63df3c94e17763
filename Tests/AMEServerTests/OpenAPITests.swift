import AMEServer
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import Yams

/// The routes in the code and in the OpenAPI document agree, both ways, and the document
/// served is the one in the repository.
@Suite struct OpenAPITests {
    static let methods: Set<String> = ["get", "put", "post", "delete", "patch", "head", "options"]

    func documentedRoutes() throws -> Set<String> {
        let node = try #require(try Yams.load(yaml: OpenAPIDocument.text) as? [String: Any])
        let paths = try #require(node["paths"] as? [String: Any])
        var routes = Set<String>()
        for (path, value) in paths {
            let operations = try #require(value as? [String: Any])
            for method in operations.keys where Self.methods.contains(method) {
                routes.insert("\(method.uppercased()) \(path)")
            }
        }
        return routes
    }

    @Test func routesInTheCodeAndTheDocumentAgree() throws {
        let fixture = try ServerFixture()
        // The dashboard's HTML pages are not part of the JSON API.
        let coded = Set(fixture.router.routes.compactMap { route -> String? in
            let path = route.path.description
            let absolute = path.hasPrefix("/") ? path : "/" + path
            return AMEServer.isDashboardPath(absolute) ? nil : "\(route.method.rawValue) \(absolute)"
        })
        let documented = try documentedRoutes()
        #expect(coded.subtracting(documented).isEmpty, "routes missing from openapi.yaml: \(coded.subtracting(documented).sorted())")
        #expect(documented.subtracting(coded).isEmpty, "documented routes the server lacks: \(documented.subtracting(coded).sorted())")
    }

    @Test func theServedDocumentIsTheRepositorysCopy() async throws {
        let repositoryCopy = try String(contentsOf: AMETestSupportPaths.openAPIFile, encoding: .utf8)
        #expect(repositoryCopy == OpenAPIDocument.text)
        let fixture = try ServerFixture()
        try await fixture.test(.router) { client in
            let response = try await client.send(.get, "/v1/openapi.yaml", token: fixture.aliceToken)
            #expect(response.status == .ok)
            #expect(response.text == repositoryCopy)
        }
    }
}

enum AMETestSupportPaths {
    static var openAPIFile: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/AMEServer/openapi.yaml")
    }
}
