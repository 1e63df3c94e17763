import AMECore
import Foundation
import Hummingbird
import NIOCore

/// A submitted form (`application/x-www-form-urlencoded`).
struct DashboardForm: Sendable {
    var fields: [String: String]

    subscript(_ name: String) -> String? { fields[name] }

    static func read(_ request: Request) async throws -> DashboardForm {
        var request = request
        let buffer = try await request.collectBody(upTo: 64 << 10)
        return try parse(String(buffer: buffer))
    }

    static func parse(_ body: String) throws -> DashboardForm {
        var fields: [String: String] = [:]
        for pair in body.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = decode(parts[0]), let value = decode(parts.count > 1 ? parts[1] : "") else {
                throw APIError(.invalidRequest, "the form is not URL-encoded", hint: "submit it from the dashboard's own page")
            }
            fields[name] = value
        }
        return DashboardForm(fields: fields)
    }

    private static func decode(_ text: Substring) -> String? {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }
}
