extension KubernetesSettings {
    /// The server's container in its own Pod: the one named `ame-server`, else the only one.
    public static func serverImage(in pod: Pod) -> String? {
        let containers = pod.spec.containers
        if let named = containers.first(where: { $0.name == "ame-server" }) { return named.image }
        return containers.count == 1 ? containers[0].image : nil
    }

    /// With `ownPod` set, reads that Pod and makes its image the agent image: step Pods'
    /// init container then runs exactly the image the server runs, whatever set it
    /// (kustomize's `images:`, `kubectl set image`).
    public mutating func adoptOwnImage(client: KubernetesClient) async throws(InvalidSetting) {
        guard let ownPod else { return }
        let pod: Pod
        do {
            pod = try await client.getPod(ownPod)
        } catch {
            throw InvalidSetting(variable: "AME_KUBERNETES_POD_NAME", value: ownPod,
                                 problem: "names a Pod the server cannot read (\(error)); set AME_KUBERNETES_AGENT_IMAGE instead")
        }
        guard let image = Self.serverImage(in: pod) else {
            throw InvalidSetting(variable: "AME_KUBERNETES_POD_NAME", value: ownPod,
                                 problem: "names a Pod without a container called 'ame-server'; set AME_KUBERNETES_AGENT_IMAGE instead")
        }
        agentImage = image
    }
}
