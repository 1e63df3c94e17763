import AMEPluginKit
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs a builder (or any tool) with its output shown to the user as it comes — on stderr,
/// since the plugin's stdout carries the protocol — and keeps the end of that output to
/// explain a failure.
enum BuilderProcess {
    struct Outcome: Sendable {
        var status: Int32
        /// The last 64 KiB of stdout and stderr, interleaved as they came.
        var output: String
        var succeeded: Bool { status == 0 }
    }

    /// `echo`: false runs quietly (probes such as `docker version`).
    static func run(_ executable: String, _ arguments: [String], environment: [String: String],
                    directory: URL? = nil, echo: Bool = true, host: AMEHost? = nil) async throws -> Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        if let directory { process.currentDirectoryURL = directory }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw PluginFailure("cannot start \(executable): \(error.localizedDescription)")
        }
        try? pipe.fileHandleForWriting.close()
        let box = ProcessBox(process)
        let terminate: @Sendable () -> Void = { if box.process.isRunning { box.process.terminate() } }
        host?.onCancel(terminate)
        let descriptor = pipe.fileHandleForReading.fileDescriptor
        let outcome: Outcome = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let thread = Thread {
                    var tail = [UInt8]()
                    var buffer = [UInt8](repeating: 0, count: 32 * 1024)
                    while true {
                        let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                        if count < 0 && errno == EINTR { continue }
                        if count <= 0 { break }
                        if echo {
                            buffer.withUnsafeBytes { raw in
                                var offset = 0
                                while offset < count {
                                    let written = write(STDERR_FILENO, raw.baseAddress! + offset, count - offset)
                                    if written <= 0 { if errno == EINTR { continue } else { break } }
                                    offset += written
                                }
                            }
                        }
                        tail.append(contentsOf: buffer[0..<count])
                        if tail.count > 64 * 1024 { tail.removeFirst(tail.count - 64 * 1024) }
                    }
                    box.process.waitUntilExit()
                    let status = box.process.terminationReason == .uncaughtSignal ? 128 + box.process.terminationStatus : box.process.terminationStatus
                    continuation.resume(returning: Outcome(status: status, output: String(decoding: tail, as: UTF8.self)))
                }
                thread.start()
            }
        } onCancel: {
            terminate()
        }
        try? pipe.fileHandleForReading.close()
        if Task.isCancelled || host?.isCancelled == true { throw CancellationError() }
        return outcome
    }

    /// A Process handed to the reading thread and the cancellation handler.
    final class ProcessBox: @unchecked Sendable {
        let process: Process
        init(_ process: Process) { self.process = process }
    }

    /// The first executable called `name` in the folders of `PATH` (absolute entries only).
    static func find(_ name: String, environment: [String: String]) -> String? {
        for folder in (environment["PATH"] ?? "").split(separator: ":") where folder.hasPrefix("/") {
            let candidate = "\(folder)/\(name)"
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory), !isDirectory.boolValue,
               FileManager.default.isExecutableFile(atPath: candidate) {
                return candidate
            }
        }
        return nil
    }
}
