import AMECore
import Foundation

/// The run's copies of AME secrets as Kubernetes `Secret`s: one per AME secret, holding its
/// value under the key `value`, plus one holding the agent's per-run token. Pods refer to
/// them by name, so values live only in these objects, which are deleted with the run.
public struct SecretMirror: Sendable {
    public var settings: KubernetesSettings

    public init(settings: KubernetesSettings) {
        self.settings = settings
    }

    public static let valueKey = "value"
    /// What stands for a value in output meant for people (`--dry-run`).
    public static func redacted(_ what: String) -> String { "<redacted: \(what)>" }

    /// The run's copy of the AME secret `name`; nil `value` gives a redacted copy for review.
    public func secret(runID: String, labels: [String: String], name: String, value: Data?) -> Secret {
        var metadata = ObjectMeta(name: KubernetesNames.secretName(runID: runID, secret: name), namespace: settings.namespace,
                                  labels: labels, annotations: [PodTranslator.Labels.secret: name])
        metadata.labels?[PodTranslator.Labels.secret] = KubernetesNames.labelValue(name)
        if let value {
            return Secret(metadata: metadata, data: [Self.valueKey: value])
        }
        return Secret(metadata: metadata, stringData: [Self.valueKey: Self.redacted("value of AME secret \(name)")])
    }

    /// The agent token of the run: it lets the Pod fetch and upload this run's files only.
    public func agentSecret(runID: String, labels: [String: String], token: String?) -> Secret {
        let metadata = ObjectMeta(name: KubernetesNames.agentSecretName(runID: runID), namespace: settings.namespace, labels: labels)
        if let token {
            return Secret(metadata: metadata, data: [PodTranslator.tokenKey: Data(token.utf8)])
        }
        return Secret(metadata: metadata, stringData: [PodTranslator.tokenKey: Self.redacted("agent token of the run, made at submission")])
    }

    /// The run's own secret env (`RunRequest.secretEnv`, such as a notebook's token), one
    /// key per variable; `redacted` gives a copy for review with the keys only.
    public func runEnvSecret(runID: String, labels: [String: String], variables: [EnvVar], redacted: Bool = false) -> Secret {
        let metadata = ObjectMeta(name: KubernetesNames.runEnvSecretName(runID: runID), namespace: settings.namespace, labels: labels)
        if redacted {
            return Secret(metadata: metadata, stringData: Dictionary(variables.map { ($0.key, Self.redacted("the run's \($0.key)")) },
                                                                     uniquingKeysWith: { _, last in last }))
        }
        return Secret(metadata: metadata, data: Dictionary(variables.map { ($0.key, Data($0.value.utf8)) }, uniquingKeysWith: { _, last in last }))
    }

    /// Every Secret a step's Pod needs, redacted (for `--dry-run`).
    public func redactedSecrets(for request: StepPodRequest) -> [Secret] {
        let labels = PodTranslator.labels(for: request)
        var seen = Set<String>()
        let names = request.step.secrets.map(\.name).filter { seen.insert($0).inserted }
        var secrets = [agentSecret(runID: request.runID, labels: labels, token: nil)]
            + names.map { secret(runID: request.runID, labels: labels, name: $0, value: nil) }
        if !request.secretEnvKeys.isEmpty {
            secrets.append(runEnvSecret(runID: request.runID, labels: labels,
                                        variables: request.secretEnvKeys.map { EnvVar(key: $0, value: "") }, redacted: true))
        }
        return secrets
    }
}
