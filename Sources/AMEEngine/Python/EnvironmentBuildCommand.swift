import AMESystem
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One command run while building an environment (`python -m venv`, `pip install`, `uv sync`…):
/// its stdout and stderr go, interleaved as the tool wrote them, to the caller's output
/// callback, and the end of that output is kept for the error message if it fails.
struct EnvironmentBuildCommand: Sendable, CustomStringConvertible {
    var executable: String
    var arguments: [String]
    var environment: [String: String]
    var workingDirectory: String?
    /// Variables shown in front of the command in the log (the ones that change what it does).
    var shownVariables: [String] = []
    /// Where it runs confined (nil: as the engine's own user).
    var sandbox: Sandbox.Placement?

    struct Result: Sendable {
        var status: TerminationStatus
        /// The last lines of output, for error messages.
        var tail: String
    }

    /// The command as a shell line, for the log and for error messages.
    var description: String {
        let prefix = shownVariables.compactMap { name in environment[name].map { "\(name)=\(Self.quote($0)) " } }.joined()
        return prefix + ([executable] + arguments).map(Self.quote).joined(separator: " ")
    }

    /// Runs to the end. Cancelling the task kills the command's whole process group.
    func run(output: @escaping @Sendable (Data) -> Void, tailLines: Int = 25) async throws -> Result {
        try Task.checkCancellation()
        output(Data("$ \(description)\n".utf8))
        let pipe = Pipe()
        let writeDescriptor = pipe.fileHandleForWriting.fileDescriptor
        var configuration = ChildProcess.Configuration(executable: executable, arguments: arguments,
                                                       environment: environment, workingDirectory: workingDirectory)
        if var sandbox {
            sandbox.view.workingDirectory = workingDirectory ?? sandbox.view.workingDirectory
            configuration = sandbox.configuration(running: [executable] + arguments, environment: environment)
        }
        configuration.standardOutput = .fileDescriptor(writeDescriptor)
        configuration.standardError = .fileDescriptor(writeDescriptor)
        let child: ChildProcess
        do {
            child = try ChildProcess.spawn(configuration)
        } catch {
            try? pipe.fileHandleForWriting.close()
            try? pipe.fileHandleForReading.close()
            let message = "\(error)"
            output(Data("\(message)\n".utf8))
            return Result(status: .exited(127), tail: message)
        }
        // Only the child writes now, so the reader sees end of file when it (and anything it
        // started that kept the pipe) is done.
        try? pipe.fileHandleForWriting.close()
        let tail = TailBuffer(limit: 64 * 1024)
        let reader = pipe.fileHandleForReading
        let status = await withTaskCancellationHandler {
            async let drained: Void = {
                for await chunk in PipeReader.chunks(of: reader) {
                    tail.append(chunk)
                    output(chunk)
                }
            }()
            let status = await child.waitForExit()
            // Whatever it started and left running (an ensurepip or a build backend after the
            // command was killed) must not go on writing into a folder about to be removed,
            // nor hold the output pipe open.
            ProcessTable.killSession(child.pid)
            await drained
            return status
        } onCancel: {
            ProcessTable.killSession(child.pid)
        }
        try Task.checkCancellation()
        return Result(status: status, tail: tail.lastLines(tailLines))
    }

    static func quote(_ text: String) -> String {
        let safe = text.allSatisfy { $0.isLetter || $0.isNumber || "-_./=:,@+%".contains($0) }
        if safe && !text.isEmpty { return text }
        return "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

/// The last bytes of a stream, enough for a few dozen lines of error output.
private final class TailBuffer: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    private let limit: Int

    init(limit: Int) { self.limit = limit }

    func append(_ chunk: Data) {
        lock.lock()
        defer { lock.unlock() }
        data.append(chunk)
        if data.count > limit * 2 { data = Data(data.suffix(limit)) }
    }

    func lastLines(_ count: Int) -> String {
        lock.lock()
        defer { lock.unlock() }
        let text = String(decoding: data.suffix(limit), as: UTF8.self)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.hasSuffix("\r") ? String($0.dropLast()) : String($0) }
        // Progress lines rewritten with \r keep only what was shown last.
        let cleaned = lines.map { $0.split(separator: "\r").last.map(String.init) ?? "" }
            // pipenv repeats its traceback with an "[DeployException]:" prefix on each line,
            // which would push the one line that explains the failure out of the tail.
            .filter { !($0.hasPrefix("[") && $0.contains("Exception]:")) }
        var trimmed = ArraySlice(cleaned)
        while trimmed.last?.trimmingCharacters(in: .whitespaces).isEmpty == true { trimmed = trimmed.dropLast() }
        return trimmed.suffix(count).joined(separator: "\n")
    }
}
