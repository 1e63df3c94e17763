import AMECore
import Foundation
import NIOCore

/// A run's log over HTTP (NDJSON, one `LogEvent` a line), delivered event by event as the
/// bytes arrive. When the connection drops before the log is complete (a proxy timing out,
/// a server restart) it asks again from the `next` of the last event it delivered, so the
/// consumer sees every event exactly once.
struct LogStreamReader: Sendable {
    let api: HTTPJobsAPI
    let runID: String
    let from: Int64
    let follow: Bool

    /// One event on the wire: `text` when the bytes are UTF-8, else `data` (base64).
    struct WireEvent: Decodable {
        var offset: Int64
        var next: Int64
        var kind: LogEvent.Kind
        var step: String?
        var time: Date
        var text: String?
        var data: Data?
        var exitCode: Int32?

        var event: LogEvent {
            LogEvent(offset: offset, next: next, kind: kind, step: step, time: time,
                     data: data ?? Data((text ?? "").utf8), exitCode: exitCode)
        }
    }

    /// Why one attempt ended.
    enum Ending {
        /// The server closed the response normally.
        case complete
        /// The log's `end` event came.
        case ended
    }

    func stream() -> AsyncThrowingStream<LogEvent, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                var next = from
                var failures = 0
                while !Task.isCancelled {
                    let start = next
                    do {
                        var connected = false
                        let ending = try await attempt(from: next, connected: &connected) { event in
                            continuation.yield(event)
                            next = event.next
                        }
                        if ending == .ended || !follow {
                            continuation.finish()
                            return
                        }
                        // Following, and the server closed without the end: ask again.
                        failures = 0
                    } catch let error as APIError where error.code != .unavailable {
                        continuation.finish(throwing: error)
                        return
                    } catch {
                        if Task.isCancelled { break }
                        if next != start { failures = 0 }
                        failures += 1
                        if failures > api.maxReconnects {
                            let reason = api.transportError(error)
                            continuation.finish(throwing: APIError(
                                .unavailable, "lost the log stream of run \(runID): \(reason.message)",
                                hint: "re-attach with: ame logs \(runID) -f --from \(next)"))
                            return
                        }
                        let delay = min(2000, 50 << min(failures, 6))
                        try? await Task.sleep(for: .milliseconds(delay))
                    }
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// The offset of the last newline in `data`, found with `memchr`.
    static func lastNewline(in data: Data) -> Int? {
        data.withUnsafeBytes { bytes -> Int? in
            guard let base = bytes.baseAddress else { return nil }
            var found: Int?
            var cursor = base
            let end = base + bytes.count
            while cursor < end, let hit = memchr(cursor, 0x0A, end - cursor) {
                let pointer = UnsafeRawPointer(hit)
                found = pointer - base
                cursor = pointer + 1
            }
            return found
        }
    }

    /// One request: yields each complete event; throws on a transport failure.
    private func attempt(from offset: Int64, connected: inout Bool, yield: (LogEvent) -> Void) async throws -> Ending {
        var query = [URLQueryItem(name: "from", value: String(offset))]
        if follow { query.append(URLQueryItem(name: "follow", value: "true")) }
        let request = try api.makeRequest("GET", "/v1/runs/\(HTTPJobsAPI.escape(runID))/logs", query: query)
        // Bounds the wait for the answer's head; a quiet run then sends nothing for a long
        // time, which is not a failure (the body has no deadline).
        let response = try await api.send(request, timeout: .seconds(600))
        let status = Int(response.status.code)
        connected = true
        var pending = Data()
        var errorBody = Data()
        let decoder = WireFormat.decoder()
        for try await buffer in response.body {
            let data = Data(buffer.readableBytesView)
            guard (200..<300).contains(status) else {
                errorBody.append(data)
                continue
            }
            pending.append(data)
            // Only the new bytes can hold a new line end (memchr, not a byte loop: logs are large).
            guard let newline = Self.lastNewline(in: data) else { continue }
            let lastNewline = pending.endIndex - (data.count - newline)
            // Complete lines, each parsed in place; JSONDecoder reads what the fast
            // parser does not know.
            let complete = pending[pending.startIndex..<lastNewline]
            var events: [LogEvent] = []
            try complete.withUnsafeBytes { raw in
                guard let base = raw.baseAddress else { return }
                var cursor = base
                let end = base + raw.count
                while cursor < end {
                    let lineEnd = memchr(cursor, 0x0A, end - cursor).map { UnsafeRawPointer($0) } ?? end
                    let line = UnsafeRawBufferPointer(start: cursor, count: lineEnd - cursor)
                    if line.count > 0 {
                        if let event = NDJSONLogDecoder.decode(line) {
                            events.append(event)
                        } else {
                            do {
                                events.append(try decoder.decode(WireEvent.self, from: Data(line)).event)
                            } catch {
                                throw APIError(.internal, "the server sent a log line this ame cannot read (\(error))")
                            }
                        }
                    }
                    cursor = lineEnd + 1
                }
            }
            pending.removeSubrange(pending.startIndex...lastNewline)
            for event in events {
                yield(event)
                if event.kind == .end { return .ended }
            }
        }
        guard (200..<300).contains(status) else { throw api.httpError(status: status, body: errorBody) }
        return .complete
    }
}
