import AMECore
import AMESystem
import Foundation

/// Runs one attempt of one step somewhere: a local process tree, or a Kubernetes Pod.
///
/// The coordinator decides what to run (command, env, resources, retries); an executor
/// only runs it, streams its output into the log, enforces its limits, and says how it
/// ended. Cancelling the calling task stops the attempt.
public protocol Executor: Sendable {
    func execute(_ attempt: StepAttempt, log: StepLog) async -> AttemptResult

    /// True when the step's environment is built where the step runs (a Pod prepares its
    /// own Python and receives its secrets by reference): the coordinator then neither
    /// builds Python here nor reads the secrets into the attempt's environment.
    var preparesStepEnvironment: Bool { get }

    /// True when a step runs in its task's `image:` (a Pod); false when steps run on the
    /// engine's own machine, which ignores `image:` (the run's log says so, once).
    var runsImages: Bool { get }

    /// True when each attempt runs on a copy of the files of its own (a Pod fetches them)
    /// and brings back what it produced into `workingDirectory` (under `keepsFilesUnder`);
    /// false when an attempt runs in `workingDirectory` itself.
    var copiesWorkspace: Bool { get }

    /// Where the `count` nodes of a multi-node step reach each other: each node's address,
    /// in rank order, and the port rank 0 listens on.
    func nodeAddresses(for attempt: StepAttempt, count: Int) throws -> (addresses: [String], port: Int)
}

extension Executor {
    public var preparesStepEnvironment: Bool { false }
    public var runsImages: Bool { false }
    public var copiesWorkspace: Bool { false }

    /// Nodes on this machine: all at 127.0.0.1 (they share its network, also in the
    /// sandbox), rank 0 on a port free now.
    public func nodeAddresses(for attempt: StepAttempt, count: Int) throws -> (addresses: [String], port: Int) {
        (Array(repeating: "127.0.0.1", count: count), try TCPSocket.freePort())
    }
}

/// Everything an executor needs for one attempt.
public struct StepAttempt: Sendable {
    public var runID: String
    public var step: String
    public var number: Int
    public var command: String
    public var workingDirectory: URL
    /// The complete environment of the command, secrets included. For an executor that
    /// prepares the environment where the step runs (`preparesStepEnvironment`), only what
    /// the engine adds beyond the task: the project's hook env, a service's `AME_PORT…`
    /// and a wrapped step's `AME_COMMAND`, `AME_ATTEMPT`, `AME_ENV_KEYS`, `AME_RESOURCES`.
    public var environment: [String: String]
    /// Values to mask as `***` in the log.
    public var secretValues: [Data]
    public var resources: Resources
    /// GPU indices handed to this attempt.
    public var gpus: [Int]
    public var timeoutSeconds: Int?
    /// For a service: the ports that must accept connections before it counts as running.
    public var readinessPorts: [Int] = []
    /// Called once every readiness port accepts connections.
    public var onReady: (@Sendable () -> Void)?
    /// For a service: stop it after this long without a connection to its ports.
    public var idleTimeoutSeconds: Int?
    /// Where a local process runs confined, and what it sees (nil: as the engine's own user,
    /// seeing what that user sees).
    public var sandbox: Sandbox.Placement?
    /// For one node of a multi-node step: its rank and where every node is (its environment
    /// already holds `node.environment`).
    public var node: NodeRank?
    /// Where in the run's workspace the files this attempt produces are kept: "" (the
    /// workspace itself), "node-2/" (`artifacts: {from: all}`), or nil: not kept (a node other
    /// than rank 0). An executor that `copiesWorkspace` follows it; on one that does not, the
    /// coordinator gives each node its own working directory and sorts out the files itself.
    public var keepsFilesUnder: String? = ""

    public init(runID: String, step: String, number: Int, command: String, workingDirectory: URL, environment: [String: String],
                secretValues: [Data], resources: Resources, gpus: [Int], timeoutSeconds: Int?) {
        self.runID = runID
        self.step = step
        self.number = number
        self.command = command
        self.workingDirectory = workingDirectory
        self.environment = environment
        self.secretValues = secretValues
        self.resources = resources
        self.gpus = gpus
        self.timeoutSeconds = timeoutSeconds
    }
}

/// How an attempt ended.
public struct AttemptResult: Sendable, Equatable {
    public var outcome: AttemptRecord.Outcome
    public var exitCode: Int32
    /// A sentence for the log and the API ("killed: used more than its 256Mi memory limit").
    public var reason: String?

    public init(outcome: AttemptRecord.Outcome, exitCode: Int32, reason: String? = nil) {
        self.outcome = outcome
        self.exitCode = exitCode
        self.reason = reason
    }

    public var succeeded: Bool { outcome == .exited && exitCode == 0 }
}

/// Where an attempt's output goes: the run's log, masked, labelled with the step (and, for
/// one node of a multi-node step, each line with its rank: `[2] `).
public struct StepLog: Sendable {
    let writer: LogWriter
    public let step: String
    let node: NodeLinePrefixer?

    public init(writer: LogWriter, step: String) {
        self.writer = writer
        self.step = step
        self.node = nil
    }

    private init(writer: LogWriter, step: String, node: NodeLinePrefixer) {
        self.writer = writer
        self.step = step
        self.node = node
    }

    /// The log of one node of the step: its lines start with `[rank] `.
    func forNode(rank: Int) -> StepLog {
        StepLog(writer: writer, step: step, node: NodeLinePrefixer(rank: rank))
    }

    public func write(_ kind: LogEvent.Kind, _ data: Data) {
        let bytes = node.map { $0.lines(kind, data) } ?? data
        guard !bytes.isEmpty else { return }
        _ = try? writer.append(kind, step: step, data: bytes)
    }

    public func note(_ text: String) {
        write(.system, Data((text + "\n").utf8))
    }

    /// Writes a node's unfinished last lines, once it has ended.
    func flush() {
        guard let node else { return }
        for kind in node.unfinished {
            let rest = node.rest(kind)
            if !rest.isEmpty { _ = try? writer.append(kind, step: step, data: rest) }
        }
    }
}
