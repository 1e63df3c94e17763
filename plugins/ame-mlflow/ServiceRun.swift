import AMEPluginKit
import Foundation

/// Run records as the host sends them (the whole record; `RunSummary` lacks the ports).
enum ServiceRun {
    static func get(_ id: String, host: AMEHost) async throws -> JSONValue {
        try await host.call(PluginMethod.runGet, params: .object(["id": .string(id)]))
    }

    static func port(of run: JSONValue) -> Int? {
        guard case .array(let ports)? = run["ports"], let first = ports.first?["port"]?.integerValue, first > 0 else { return nil }
        return Int(first)
    }

    static func isFinished(_ run: JSONValue) -> Bool {
        ["succeeded", "failed", "cancelled", "lost", "skipped"].contains(run["status"]?.stringValue ?? "")
    }
}

extension ServiceRun {
    /// Writes the setup and AME's notes logged since `offset` to stderr (how the run's
    /// environment is coming along); returns where the log ends now.
    static func showSetup(_ id: String, from offset: Int64, host: AMEHost) async -> Int64 {
        let collected = TextBox()
        guard let end = try? await host.logs(id, from: offset, follow: false, onChunk: { chunk in
            if chunk.kind == "setup" || chunk.kind == "system" { collected.append(chunk.text) }
        }) else { return offset }
        if !collected.text.isEmpty { FileHandle.standardError.write(Data(collected.text.utf8)) }
        return end.next
    }

    /// The last lines of a run's log, indented, for an error message.
    static func logTail(_ id: String, host: AMEHost, lines: Int = 12) async throws -> String {
        let collected = TextBox()
        _ = try? await host.logs(id, follow: false) { chunk in collected.append(chunk.text) }
        let tail = collected.text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines)
        let text = tail.map { "\n  | \($0)" }.joined()
        return text.isEmpty ? "" : "\n  last lines of its log:" + text
    }
}
