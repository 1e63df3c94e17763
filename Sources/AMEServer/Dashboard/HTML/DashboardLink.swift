import Foundation

/// Dashboard URLs with their query strings percent-encoded.
enum DashboardLink {
    static func run(_ id: String) -> String { "/runs/\(encode(id))" }

    /// A schedule's history page; `fullName` is "PROJECT/NAME".
    static func schedule(_ fullName: String) -> String {
        "/schedules/" + fullName.split(separator: "/", omittingEmptySubsequences: false).map { encode(String($0)) }.joined(separator: "/")
    }

    static func artifact(run id: String, path: String) -> String {
        "/runs/\(encode(id))/download" + query([("path", path)])
    }

    /// `?a=1&b=2` from the pairs that have a non-empty value ("" without any).
    static func query(_ items: [(String, String?)]) -> String {
        let parts = items.compactMap { name, value -> String? in
            guard let value, !value.isEmpty else { return nil }
            return "\(encode(name))=\(encode(value))"
        }
        return parts.isEmpty ? "" : "?" + parts.joined(separator: "&")
    }

    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? ""
    }

    /// Where to go after signing in: only a path on this server, never another site
    /// ("//evil.example" and "/\evil.example" are hosts to a browser).
    static func safeNext(_ next: String?) -> String {
        guard let next, next.hasPrefix("/"), !next.hasPrefix("//"), !next.contains("\\"),
              !next.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }),
              next.utf8.count <= 2048 else { return "/runs" }
        return next
    }
}
