import AMECore
import Crypto
import Foundation

/// Kubernetes names and label values for AME's objects.
///
/// AME names (`download_data`, `Train.v2`) allow upper case, `_` and `.`, which object names
/// (DNS-1123: lower case, digits, `-`) do not, and label values only between alphanumerics.
/// Where a name has to change to fit, a short hash of the original is appended, so that two
/// names that differ only in what was replaced (`Train`, `train`) never share an object.
public enum KubernetesNames {
    /// Object names are kept to a DNS label (63), so that a Pod's name is also its host name.
    static let maxNameLength = 63

    /// `ame-<run>-<step>-<attempt>`; for one node of a multi-node step,
    /// `ame-<run>-<step>-<attempt>-n<rank>` (also its host name).
    public static func podName(runID: String, step: String, attempt: Int, node: Int? = nil) -> String {
        compose(prefix: "ame-\(dnsLabel(runID))-", name: step, suffix: "-\(attempt)" + (node.map { "-n\($0)" } ?? ""))
    }

    /// `ame-<run>-<step>-<attempt>`: the headless Service of a multi-node step's attempt, by
    /// which its nodes find each other.
    public static func serviceName(runID: String, step: String, attempt: Int) -> String {
        podName(runID: runID, step: step, attempt: attempt)
    }

    /// `ame-<run>-secret-<name>`: the run's copy of one AME secret.
    public static func secretName(runID: String, secret: String) -> String {
        compose(prefix: "ame-\(dnsLabel(runID))-secret-", name: secret, suffix: "")
    }

    /// `ame-<run>-env`: the run's own secret env (a notebook's token), one key per variable.
    public static func runEnvSecretName(runID: String) -> String {
        "ame-\(dnsLabel(runID))-env"
    }

    /// `ame-<run>-agent`: the run's agent token.
    public static func agentSecretName(runID: String) -> String {
        "ame-\(dnsLabel(runID))-agent"
    }

    /// `prefix + name + suffix` as a DNS-1123 label, hashing `name` when it had to change.
    static func compose(prefix: String, name: String, suffix: String) -> String {
        var body = dnsLabel(name)
        let budget = maxNameLength - prefix.count - suffix.count
        if body != name || body.count > budget {
            let hash = shortHash(name)
            body = String(body.prefix(max(0, budget - hash.count - 1)))
            while body.hasSuffix("-") { body.removeLast() }
            body = body.isEmpty ? hash : body + "-" + hash
        }
        return prefix + body + suffix
    }

    /// Lower case, anything but `[a-z0-9]` as `-`, no leading or trailing `-`.
    static func dnsLabel(_ text: String) -> String {
        var result = ""
        for scalar in text.lowercased().unicodeScalars {
            let keep = scalar.isASCII && (("a"..."z").contains(scalar) || ("0"..."9").contains(scalar))
            result.unicodeScalars.append(keep ? scalar : "-")
        }
        return result.trimmingCharacters(in: CharacterSet(charactersIn: "-"))
    }

    /// A label value: at most 63 of `[A-Za-z0-9_.-]`, starting and ending alphanumeric;
    /// a hash of the original replaces what had to change.
    public static func labelValue(_ text: String) -> String {
        if isValidLabelValue(text) { return text }
        var body = String(text.unicodeScalars.map { scalar -> Character in
            let allowed = scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "_.-".unicodeScalars.contains(scalar))
            return allowed ? Character(scalar) : "-"
        })
        let hash = shortHash(text)
        body = String(body.prefix(maxNameLength - hash.count - 1))
        body = body.trimmingCharacters(in: CharacterSet(charactersIn: "-_."))
        return body.isEmpty ? hash : body + "-" + hash
    }

    public static func isValidLabelValue(_ text: String) -> Bool {
        guard !text.isEmpty else { return true }
        let scalars = Array(text.unicodeScalars)
        func alphanumeric(_ scalar: Unicode.Scalar) -> Bool {
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar))
        }
        guard scalars.count <= maxNameLength, let first = scalars.first, let last = scalars.last,
              alphanumeric(first), alphanumeric(last) else { return false }
        return scalars.allSatisfy { alphanumeric($0) || "_.-".unicodeScalars.contains($0) }
    }

    /// A container port's name: an IANA service name (at most 15 of `[a-z0-9-]`, a letter
    /// among them, no `--`, no `-` at either end), or nil when `name` cannot become one
    /// without losing what it says (the port is then unnamed; `AME_PORT_<NAME>` still has it).
    public static func portName(_ name: String) -> String? {
        var label = dnsLabel(name)
        while label.contains("--") { label = label.replacingOccurrences(of: "--", with: "-") }
        guard !label.isEmpty, label.count <= 15, label.unicodeScalars.contains(where: { ("a"..."z").contains($0) }) else { return nil }
        return label
    }

    /// Six hex digits of the name's SHA-256: stable across processes and versions.
    static func shortHash(_ text: String) -> String {
        Hex.encode(SHA256.hash(data: Data(text.utf8)).prefix(3))
    }
}
