import Foundation
import Yams

/// A `Role`'s rules, read from a manifest (AME's own in `deploy/kubernetes/overlays/kubernetes-executor/`), so the
/// harness refuses what that Role does not allow, with Kubernetes' 403 wording.
public struct RBACRole: Sendable {
    struct Rule: Sendable {
        var apiGroups: [String]
        var resources: [String]
        var verbs: [String]
    }

    var rules: [Rule]
    public var name: String

    /// The first `Role` in the (possibly multi-document) YAML file.
    public init(file: URL) throws {
        let text = try String(contentsOf: file, encoding: .utf8)
        for document in try Yams.load_all(yaml: text) {
            guard let object = document as? [String: Any], object["kind"] as? String == "Role" else { continue }
            name = (object["metadata"] as? [String: Any])?["name"] as? String ?? "role"
            rules = ((object["rules"] as? [[String: Any]]) ?? []).map { rule in
                Rule(apiGroups: rule["apiGroups"] as? [String] ?? [], resources: rule["resources"] as? [String] ?? [],
                     verbs: rule["verbs"] as? [String] ?? [])
            }
            return
        }
        throw CocoaError(.fileReadCorruptFile, userInfo: [NSLocalizedDescriptionKey: "no Role in \(file.path)"])
    }

    public func allows(verb: String, resource: String, apiGroup: String = "") -> Bool {
        rules.contains { rule in
            (rule.apiGroups.contains(apiGroup) || rule.apiGroups.contains("*"))
                && (rule.resources.contains(resource) || rule.resources.contains("*"))
                && (rule.verbs.contains(verb) || rule.verbs.contains("*"))
        }
    }
}
