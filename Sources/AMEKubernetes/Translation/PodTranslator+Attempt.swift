import AMECore

extension PodTranslator {
    /// What one attempt of a step creates besides its Secrets: its Pod; for a step on several
    /// nodes, a Pod per node, found by the others through the attempt's headless Service, and
    /// the NetworkPolicy that lets them reach each other (`ame run --dry-run=kubernetes`).
    public func objects(for request: StepPodRequest) -> (shared: [ManifestRenderer.Object], pods: [Pod]) {
        guard request.step.nodeCount > 1 else { return ([], [pod(for: request)]) }
        let addresses = Self.nodeAddresses(runID: request.runID, step: request.step.name, attempt: request.attempt,
                                           count: request.step.nodeCount)
        var shared: [ManifestRenderer.Object] = []
        var pods: [Pod] = []
        for rank in 0..<request.step.nodeCount {
            var nodeRequest = request
            nodeRequest.node = NodeRank(rank: rank, addresses: addresses, port: NodeRank.defaultPort)
            if rank == 0, let service = service(for: nodeRequest) { shared.append(.service(service)) }
            if rank == 0, let policy = networkPolicy(for: nodeRequest) { shared.append(.networkPolicy(policy)) }
            pods.append(pod(for: nodeRequest))
        }
        return (shared, pods)
    }
}
