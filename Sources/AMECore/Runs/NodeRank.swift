/// One node of a step that runs on several (`nodes: N` in ame.yaml): its rank, every
/// node's address in rank order, and the port rank 0 listens on.
///
/// Every node is told where the others are in the variables of torchrun's own contract, so
/// that `torchrun --nproc-per-node=… train.py` needs no flags and code that calls
/// `init_process_group("env://")` itself needs no launcher (see `environment`).
public struct NodeRank: Hashable, Sendable, Codable {
    public var rank: Int
    /// Every node's address (a host name or an IP), rank 0's first.
    public var addresses: [String]
    /// The port rank 0 listens on for the others (`MASTER_PORT`).
    public var port: Int

    public init(rank: Int, addresses: [String], port: Int) {
        self.rank = rank
        self.addresses = addresses
        self.port = port
    }

    public var count: Int { addresses.count }

    /// Rank 0's address.
    public var masterAddress: String { addresses.first ?? "127.0.0.1" }

    /// The port torch uses when none is given: a node of its own (a Pod) can always take it.
    public static let defaultPort = 29500

    /// What the node's command is told:
    /// - `AME_NODES`, `AME_NODE_RANK`, `AME_NODE_ADDRS` (every node's address, comma-separated,
    ///   in rank order);
    /// - torchrun's options as it reads them from the environment: `PET_NNODES`,
    ///   `PET_NODE_RANK`, `PET_MASTER_ADDR`, `PET_MASTER_PORT`;
    /// - for one process per node without torchrun (`init_process_group("env://")`):
    ///   `MASTER_ADDR`, `MASTER_PORT`, `WORLD_SIZE` (the number of nodes) and `RANK`.
    public var environment: [String: String] {
        [
            "AME_NODES": String(count),
            "AME_NODE_RANK": String(rank),
            "AME_NODE_ADDRS": addresses.joined(separator: ","),
            "PET_NNODES": String(count),
            "PET_NODE_RANK": String(rank),
            "PET_MASTER_ADDR": masterAddress,
            "PET_MASTER_PORT": String(port),
            "MASTER_ADDR": masterAddress,
            "MASTER_PORT": String(port),
            "WORLD_SIZE": String(count),
            "RANK": String(rank),
        ]
    }

    /// The variables `environment` sets, which a task's own env does not replace.
    public static let variables: Set<String> = Set(NodeRank(rank: 0, addresses: [], port: 0).environment.keys)

    /// What starts each of this node's lines in the run's log: `[2] `.
    public var logPrefix: String { Self.logPrefix(rank: rank) }

    public static func logPrefix(rank: Int) -> String { "[\(rank)] " }

    /// Where this node's files go in the run's workspace with `artifacts: {from: all}`.
    public var filesFolder: String { "node-\(rank)" }
}
