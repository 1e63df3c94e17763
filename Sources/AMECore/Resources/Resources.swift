/// The compute a task or step asks for. Every field is optional: what is not asked
/// for gets the executor's default.
public struct Resources: Hashable, Sendable, Codable {
    /// Cores, as a quantity (`2`, `500m`, `1.5`).
    public var cpu: Quantity?
    /// Bytes of memory (`8Gi`, `512M`).
    public var memory: Quantity?
    /// Bytes of scratch disk (`50Gi`); Kubernetes `ephemeral-storage`.
    public var storage: Quantity?
    /// Whole GPUs.
    public var gpus: Int?
    /// Bytes of memory each GPU must have (`24Gi`).
    public var vram: Quantity?

    public init(cpu: Quantity? = nil, memory: Quantity? = nil, storage: Quantity? = nil, gpus: Int? = nil, vram: Quantity? = nil) {
        self.cpu = cpu
        self.memory = memory
        self.storage = storage
        self.gpus = gpus
        self.vram = vram
    }

    public var isEmpty: Bool { cpu == nil && memory == nil && storage == nil && gpus == nil && vram == nil }

    /// A short human summary: `cpu 2, memory 8Gi, gpus 1`.
    public var summary: String {
        var parts: [String] = []
        if let cpu { parts.append("cpu \(cpu)") }
        if let memory { parts.append("memory \(memory)") }
        if let storage { parts.append("storage \(storage)") }
        if let gpus { parts.append("gpus \(gpus)") }
        if let vram { parts.append("vram \(vram)") }
        return parts.joined(separator: ", ")
    }
}
