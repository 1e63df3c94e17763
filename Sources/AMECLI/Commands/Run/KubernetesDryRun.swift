import AMECore
import AMEKubernetes
import AMESystem
import ArgumentParser
import Foundation

/// `ame run TASK --dry-run=kubernetes`: the Pods and Secrets (and a multi-node step's
/// headless Service) a Kubernetes server would create for the task's first attempt of each
/// step, printed instead of submitted, so they can be reviewed (or checked with `kubectl apply --dry-run=server -f -`). Secret values
/// are never printed; the manifest digest and run id are placeholders until submission.
struct KubernetesDryRun {
    enum Target: String, ExpressibleByArgument, CaseIterable {
        case kubernetes
    }

    static let runID = "dryrun"
    static let manifestPlaceholder = "sha256:<digest of the project's files, known at submission>"

    var settings: KubernetesSettings
    var owner: String

    func objects(for task: TaskSpec, project: String, env overrides: [EnvVar]) -> [ManifestRenderer.Object] {
        var task = task
        if !overrides.isEmpty {
            task.env = EnvVar.mergedList(base: task.env, overrides: overrides)
            task.pipeline = task.pipeline?.map { step in
                var step = step
                step.env = EnvVar.mergedList(base: step.env, overrides: overrides)
                return step
            }
        }
        let translator = PodTranslator(settings: settings)
        let mirror = SecretMirror(settings: settings)
        var secrets: [String: Secret] = [:]
        var nodeObjects: [ManifestRenderer.Object] = []
        var pods: [Pod] = []
        for var step in task.effectiveSteps {
            // A port asked for as 0 is a free one chosen when the run starts; here, one
            // chosen now, so the Pod is what it could be (a containerPort of 0 is invalid).
            step.ports = step.ports.map { $0.port == 0 ? PortSpec(port: (try? TCPSocket.freePort()) ?? 8080, name: $0.name) : $0 }
            let request = StepPodRequest(runID: Self.runID, owner: owner, project: project, task: task.name, step: step, attempt: 1,
                                         manifest: Self.manifestPlaceholder)
            for secret in mirror.redactedSecrets(for: request) where secrets[secret.name] == nil {
                secrets[secret.name] = secret
            }
            let made = translator.objects(for: request)
            nodeObjects += made.shared
            pods += made.pods
        }
        // Secrets, Services and NetworkPolicies first: they must exist before the Pods that need them.
        return secrets.values.sorted { $0.name < $1.name }.map { .secret($0) } + nodeObjects + pods.map { .pod($0) }
    }

    static func settings(environment: [String: String]) throws -> KubernetesSettings {
        do {
            return try KubernetesSettings(environment: environment)
        } catch {
            throw CLIError("\(error)", hint: "unset it to see the defaults")
        }
    }
}

extension ManifestRenderer.Format: ExpressibleByArgument {}
