import Foundation
import Yams

/// Kubernetes objects as people and tools read them: multi-document YAML (what
/// `kubectl apply -f` takes) or a JSON `List` (what `kubectl get -o json` prints). Keys
/// are sorted, as kubectl prints them, so output is stable and diffs stay small.
public enum ManifestRenderer {
    public enum Format: String, Sendable, CaseIterable {
        case yaml
        case json
    }

    /// Anything AME sends to the API.
    public enum Object: Encodable, Sendable {
        case pod(Pod)
        case secret(Secret)
        case service(Service)
        case networkPolicy(NetworkPolicy)

        public func encode(to encoder: any Encoder) throws {
            switch self {
            case .pod(let pod): try pod.encode(to: encoder)
            case .secret(let secret): try secret.encode(to: encoder)
            case .service(let service): try service.encode(to: encoder)
            case .networkPolicy(let policy): try policy.encode(to: encoder)
            }
        }
    }

    public static func render(_ objects: [Object], as format: Format) throws -> String {
        switch format {
        case .yaml:
            return try objects.map { try yaml($0) }.joined(separator: "---\n")
        case .json:
            struct List: Encodable {
                var apiVersion = "v1"
                var kind = "List"
                var items: [Object]
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            return String(decoding: try encoder.encode(List(items: objects)), as: UTF8.self) + "\n"
        }
    }

    /// One object as a YAML document.
    public static func yaml(_ object: some Encodable) throws -> String {
        let encoder = YAMLEncoder()
        encoder.options.sortKeys = true
        encoder.options.width = -1
        encoder.options.indent = 2
        return try encoder.encode(object)
    }
}
