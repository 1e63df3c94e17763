import AMEPluginKit
import AMESystem
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs `ame-<name> --ame-describe` and reads its one JSON object, within the describe
/// deadline. Never throws: every failure becomes the sentence `ame plugin list` shows.
public enum PluginHandshake {
    public static let deadline: Duration = .seconds(2)
    /// A describe document larger than this is not one.
    static let maximumSize = 1 << 20

    public static func describe(path: String, environment: [String: String], deadline: Duration = deadline) async -> HandshakeOutcome {
        var configuration = ChildProcess.Configuration(executable: path, arguments: [PluginProtocol.describeFlag], environment: environment)
        configuration.standardInput = .null
        configuration.standardOutput = .pipe
        configuration.standardError = .pipe
        let child: ChildProcess
        do {
            child = try PluginSpawn.start(configuration)
        } catch {
            return .failed("it cannot be started: \(error)")
        }
        guard let stdout = child.standardOutput, let stderr = child.standardError else {
            child.sendToGroup(SIGKILL)
            return .failed("it cannot be started: no pipes")
        }
        let stderrTask = Task { await PipeReader.readAll(stderr) }

        enum Reading: Sendable {
            case finished(Data, tooLarge: Bool)
            case timedOut
        }
        // Set before the kill: the reader may then see its pipe close and finish first, and
        // the plugin's answer is still "too slow", not "killed".
        let timedOut = Locked(false)
        let reading = await withTaskGroup(of: Reading.self) { group in
            group.addTask {
                var data = Data()
                for await chunk in PipeReader.chunks(of: stdout) {
                    data.append(chunk)
                    if data.count > maximumSize { return .finished(data, tooLarge: true) }
                }
                return .finished(data, tooLarge: false)
            }
            group.addTask {
                try? await Task.sleep(for: deadline)
                // Killing (rather than only cancelling) ends the reader too: its pipe closes.
                if !Task.isCancelled {
                    timedOut.set(true)
                    child.sendToGroup(SIGKILL)
                }
                return .timedOut
            }
            let first = await group.next() ?? .timedOut
            group.cancelAll()
            return first
        }

        switch timedOut.value ? .timedOut : reading {
        case .timedOut:
            _ = await child.waitForExit()
            return .failed("'--ame-describe' did not answer within \(seconds(deadline)) s")
        case .finished(let output, let tooLarge):
            if tooLarge {
                child.sendToGroup(SIGKILL)
                _ = await child.waitForExit()
                return .failed("'--ame-describe' printed more than 1 MiB")
            }
            let status = await waitForExit(child, grace: deadline)
            // Anything it started and left running would keep stderr open forever.
            child.sendToGroup(SIGKILL)
            let errorText = lastLine(of: await stderrTask.value)
            guard let status else {
                return .failed("'--ame-describe' closed its output but did not exit within \(seconds(deadline)) s")
            }
            guard status.succeeded else {
                return .failed("'--ame-describe' ended with \(status)" + (errorText.map { ": \($0)" } ?? ""))
            }
            return parse(output)
        }
    }

    /// The document in `output`, or why it is not one.
    public static func parse(_ output: Data) -> HandshakeOutcome {
        let text = String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { return .failed("'--ame-describe' printed nothing") }
        guard let value = try? JSONParser.parse(text) else {
            return .failed("'--ame-describe' did not print JSON (it began: \(excerpt(text)))")
        }
        guard case .object = value else { return .failed("'--ame-describe' printed JSON that is not an object") }
        do {
            return .described(try PluginDescription(json: value))
        } catch {
            return .failed("its describe document is incomplete: \(error.description)")
        }
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().trimmingCharacters(in: ["."])
        }
        switch error {
        case .keyNotFound(let key, let context):
            let full = path(context.codingPath + [key])
            return "'\(full)' is missing"
        case .typeMismatch(let type, let context):
            return "'\(path(context.codingPath))' is not a \(type == String.self ? "string" : "\(type)")"
        case .valueNotFound(_, let context):
            return "'\(path(context.codingPath))' is null"
        case .dataCorrupted(let context):
            return "'\(path(context.codingPath))': \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }

    static func excerpt(_ text: String) -> String {
        let line = text.split(separator: "\n", maxSplits: 1).first.map(String.init) ?? ""
        return "'" + (line.count > 60 ? String(line.prefix(60)) + "…" : line) + "'"
    }

    static func lastLine(of data: Data) -> String? {
        let text = String(decoding: data, as: UTF8.self)
        return text.split(separator: "\n").last.map { String($0.prefix(200)) }
    }

    static func seconds(_ duration: Duration) -> String {
        let value = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        return value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
    }

    /// The exit status, or nil after killing a process that would not exit within `grace`.
    static func waitForExit(_ child: ChildProcess, grace: Duration) async -> TerminationStatus? {
        let status = await withTaskGroup(of: TerminationStatus?.self) { group in
            group.addTask { await child.waitForExit() }
            group.addTask {
                try? await Task.sleep(for: grace)
                // The group waits for every task: the kill is what lets the waiter finish.
                if !Task.isCancelled { child.sendToGroup(SIGKILL) }
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        return status
    }
}
