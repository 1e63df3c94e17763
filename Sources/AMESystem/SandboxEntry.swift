import CAMESystem
#if canImport(Glibc)
import Glibc
#endif

/// `ame __sandbox-exec [--uid N --gid N] [--max-processes N] [--max-file-size BYTES] -- COMMAND…`:
/// the first process inside a run's sandbox. bubblewrap has built the sandbox's mounts and
/// namespaces; this drops to the run's user (when the sandbox was built as root), sets the
/// limits that must be set from inside (a process limit set here counts this sandbox's
/// processes only), and becomes the command. It runs before anything else of `ame` starts.
public enum SandboxEntry {
    /// The hidden first argument that selects it.
    public static let command = "__sandbox-exec"

    /// The arguments after `ame` for `command`, as the engine writes them.
    public static func arguments(uid: UInt32?, gid: UInt32?, maxProcesses: Int?, maxFileSize: Int64?, command: [String]) -> [String] {
        var arguments = [Self.command]
        if let uid { arguments += ["--uid", String(uid)] }
        if let gid { arguments += ["--gid", String(gid)] }
        if let maxProcesses { arguments += ["--max-processes", String(maxProcesses)] }
        if let maxFileSize { arguments += ["--max-file-size", String(maxFileSize)] }
        return arguments + ["--"] + command
    }

    /// Applies the settings and execs the command; returns only on failure, with the exit
    /// status to use (126, as a shell uses for a command that cannot run) after saying why.
    public static func run(arguments: [String]) -> Int32 {
        var options = ame_sandbox_options(uid: -1, gid: -1, max_processes: -1, max_file_size: -1)
        var index = 1
        while index < arguments.count, arguments[index] != "--" {
            guard index + 1 < arguments.count, let value = Int64(arguments[index + 1]), value >= 0 else {
                return fail("bad argument '\(arguments[index])'")
            }
            switch arguments[index] {
            case "--uid": options.uid = value
            case "--gid": options.gid = value
            case "--max-processes": options.max_processes = value
            case "--max-file-size": options.max_file_size = value
            default: return fail("unknown option '\(arguments[index])'")
            }
            index += 2
        }
        let command = Array(arguments.dropFirst(index + 1))
        guard index < arguments.count, !command.isEmpty else { return fail("no command after '--'") }
        var step: UnsafePointer<CChar>?
        let error = withCStringArray(command) { argv in
            ame_sandbox_exec(&options, argv, &step)
        }
        let what = step.map { String(cString: $0) } ?? "start"
        if what == "start the command" {
            return fail("cannot start \(command[0]): \(String(cString: strerror(error)))", status: error == ENOENT ? 127 : 126)
        }
        return fail("cannot \(what): \(String(cString: strerror(error)))")
    }

    private static func fail(_ message: String, status: Int32 = 126) -> Int32 {
        let line = "ame sandbox: \(message)\n"
        _ = line.withCString { write(STDERR_FILENO, $0, strlen($0)) }
        return status
    }
}
