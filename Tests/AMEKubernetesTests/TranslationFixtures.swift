import AMECore
import AMEKubernetes
import AMETestSupport
import Foundation

/// The reference README's examples and the fixed inputs the golden files are made from.
enum TranslationFixtures {
    static let runID = "r0golden0000a"
    static let owner = "alice"
    static let manifest = "sha256:" + String(repeating: "ab", count: 32)
    static let settings = KubernetesSettings(namespace: "ame", agentImage: "registry.example.com/ame:0.1.0",
                                             defaultImage: "python:3.12-slim", serverURL: "http://ame-server.ame.svc:8080")

    static func reference(_ name: String) throws -> ProjectFile {
        let file = Fixtures.repositoryRoot.appendingPathComponent("Tests/AMECoreTests/Fixtures/reference/\(name)")
        return try ProjectFile.parse(try String(contentsOf: file, encoding: .utf8), file: name)
    }

    static func parse(_ yaml: String) throws -> ProjectFile {
        try ProjectFile.parse(yaml)
    }

    /// Every object a task's run creates for the first attempt of each step (Secrets
    /// redacted), as `ame run --dry-run=kubernetes` prints them.
    static func objects(_ project: ProjectFile, task name: String, settings: KubernetesSettings = settings,
                        attempt: Int = 1, memory: Quantity? = nil, extraPackages: [String] = []) throws -> [ManifestRenderer.Object] {
        guard let task = project.task(named: name) else { throw CocoaError(.fileReadNoSuchFile) }
        let translator = PodTranslator(settings: settings)
        let mirror = SecretMirror(settings: settings)
        var secrets: [String: Secret] = [:]
        var nodeObjects: [ManifestRenderer.Object] = []
        var pods: [Pod] = []
        for step in task.effectiveSteps {
            var resources = step.resources
            if let memory { resources.memory = memory }
            let request = StepPodRequest(runID: runID, owner: owner, project: project.projectName, task: task.name, step: step,
                                         attempt: attempt, resources: resources, manifest: manifest, extraPackages: extraPackages)
            for secret in mirror.redactedSecrets(for: request) { secrets[secret.name] = secret }
            let made = translator.objects(for: request)
            nodeObjects += made.shared
            pods += made.pods
        }
        return secrets.values.sorted { $0.name < $1.name }.map { .secret($0) } + nodeObjects + pods.map { .pod($0) }
    }
}
