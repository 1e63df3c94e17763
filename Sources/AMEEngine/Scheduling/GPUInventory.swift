import AMESystem
import Foundation

/// The GPUs of this machine, from `nvidia-smi`.
public struct GPUInventory: Sendable {
    public struct GPU: Hashable, Sendable {
        public var index: Int
        public var name: String
        public var memoryBytes: Int64
    }

    /// Runs `nvidia-smi --query-gpu=index,name,memory.total --format=csv,noheader,nounits`;
    /// no `nvidia-smi` (or an error from it) means no GPUs.
    public static func detect(environment: [String: String]) -> [GPU] {
        guard let path = ExecutableLookup.find("nvidia-smi", path: environment["PATH"]) else { return [] }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["--query-gpu=index,name,memory.total", "--format=csv,noheader,nounits"]
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return [] }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return [] }
        return parse(String(decoding: data, as: UTF8.self))
    }

    /// The device files a sandboxed step needs for the GPUs it was given: each one's own
    /// node and the driver's shared ones (those that exist on this machine).
    public static func deviceFiles(for gpus: [Int]) -> [String] {
        guard !gpus.isEmpty else { return [] }
        return gpus.map { "/dev/nvidia\($0)" } + ["/dev/nvidiactl", "/dev/nvidia-uvm", "/dev/nvidia-uvm-tools", "/dev/nvidia-modeset"]
    }

    static func parse(_ text: String) -> [GPU] {
        text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            guard fields.count >= 3, let index = Int(fields[0]) else { return nil }
            let mebibytes = Int64(fields[2]) ?? 0
            return GPU(index: index, name: fields[1], memoryBytes: mebibytes * 1_048_576)
        }
    }
}
