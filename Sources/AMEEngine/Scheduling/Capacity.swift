import AMECore
import Foundation

/// What the engine may hand out at once: cpus, memory and GPUs (by index).
public struct Capacity: Hashable, Sendable, Codable {
    public var cpuMillis: Int64
    public var memoryBytes: Int64
    /// GPU indices as `nvidia-smi` numbers them.
    public var gpus: [Int]

    public init(cpuMillis: Int64, memoryBytes: Int64, gpus: [Int]) {
        self.cpuMillis = cpuMillis
        self.memoryBytes = memoryBytes
        self.gpus = gpus
    }

    /// This machine: its cpus, its memory, its GPUs.
    public static func detect(environment: [String: String]) -> Capacity {
        let cpus = Int64(ProcessInfo.processInfo.activeProcessorCount)
        let memory = Int64(ProcessInfo.processInfo.physicalMemory)
        let gpus = GPUInventory.detect(environment: environment).map(\.index)
        return Capacity(cpuMillis: cpus * 1000, memoryBytes: memory, gpus: gpus)
    }

    /// A cluster's: the cluster's own scheduler decides where and when Pods fit, so the
    /// engine admits any step (`capacity` in the server's config still caps it).
    public static let cluster = Capacity(cpuMillis: 1 << 40, memoryBytes: 1 << 60, gpus: Array(0..<4096))

    public var summary: String {
        "\(Quantity.millicores(cpuMillis)) cpus, \(Quantity.bytes(memoryBytes)) memory, \(gpus.count) gpu\(gpus.count == 1 ? "" : "s")"
    }
}

/// What one step asks for, in the units admission counts.
public struct ResourceRequest: Hashable, Sendable {
    public var cpuMillis: Int64
    public var memoryBytes: Int64
    public var gpus: Int

    /// A step that asks for nothing is counted as one cpu and no reserved memory.
    public static let defaultCPUMillis: Int64 = 1000

    public init(cpuMillis: Int64, memoryBytes: Int64, gpus: Int) {
        self.cpuMillis = cpuMillis
        self.memoryBytes = memoryBytes
        self.gpus = gpus
    }

    public init(_ resources: Resources) {
        cpuMillis = resources.cpu?.millis ?? Self.defaultCPUMillis
        memoryBytes = resources.memory?.wholeUnits ?? 0
        gpus = resources.gpus ?? 0
    }

    /// `nodes` nodes' worth of `resources`, all at once. Nodes that name no cpu count one
    /// each, but together never more than `capacity` has: they run however many there are.
    public init(_ resources: Resources, nodes: Int, capacity: Capacity) {
        self.init(resources)
        let count = Int64(max(1, nodes))
        cpuMillis *= count
        memoryBytes *= count
        gpus *= Int(count)
        if resources.cpu == nil { cpuMillis = min(cpuMillis, max(Self.defaultCPUMillis, capacity.cpuMillis)) }
    }
}
