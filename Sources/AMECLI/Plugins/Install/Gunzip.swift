import AMESystem
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// gzip decompression through the system's `gzip` (Foundation on Linux has no zlib API);
/// the input goes through a file, the output is capped so a "zip bomb" cannot fill memory.
enum Gunzip {
    static func decompress(_ data: Data, limit: Int) throws -> Data {
        let temporary = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("ame-gunzip-\(UUID().uuidString)")
        try data.write(to: temporary)
        defer { try? FileManager.default.removeItem(at: temporary) }
        let input = open(temporary.path, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw CLIError("cannot read the downloaded archive", hint: "check the free space of \(NSTemporaryDirectory())") }
        defer { close(input) }
        var configuration = ChildProcess.Configuration(executable: "gzip", arguments: ["-dc"],
                                                       environment: ["PATH": "/usr/bin:/bin:/usr/local/bin"])
        configuration.standardInput = .fileDescriptor(input)
        configuration.standardOutput = .pipe
        configuration.standardError = .null
        let child: ChildProcess
        do {
            child = try ChildProcess.spawn(configuration)
        } catch {
            throw CLIError("cannot decompress the archive: \(error)", hint: "install gzip")
        }
        guard let stdout = child.standardOutput else { throw CLIError("cannot decompress the archive", hint: "install gzip") }
        var output = Data()
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(stdout.fileDescriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            output.append(contentsOf: buffer[0..<count])
            if output.count > limit {
                child.sendToGroup(SIGKILL)
                throw CLIError("the archive unpacks to more than \(limit >> 20) MiB", hint: "plugin archives are expected to be small")
            }
        }
        var status: Int32 = 0
        while waitpid(child.pid, &status, 0) < 0 && errno == EINTR {}
        guard status == 0 else {
            throw CLIError("the archive is not valid gzip data", hint: "check the download; nothing was installed")
        }
        return output
    }
}
