import AMECore
import AMEEngine
import Foundation
import Hummingbird
import NIOCore

/// `GET /v1/runs/{id}/logs`: the run's log as NDJSON, one `LogEvent` per line:
///
/// `{"offset":0,"next":57,"kind":"stdout","step":"train","time":"2026-11-27T12:00:00.123Z","text":"epoch 1\n"}`
///
/// `text` carries the bytes when they are UTF-8, else `data` carries them in base64; an
/// `end` event has `exitCode`. A client that loses the connection asks again with
/// `from` = the last `next` it read and gets no line twice and none lost. Lines are
/// written by hand, a megabyte of log at a time, because this route moves whole logs.
enum LogStreaming {
    static func response(engine: Engine, api: EmbeddedJobsAPI, runID: String, from: Int64, follow: Bool) throws -> Response {
        // The first piece is read before answering, so a bad offset is a 400, not a cut stream.
        let first = try engine.logs.read(runID: runID, from: from, maxBytes: 1 << 20)
        let body = ResponseBody { writer in
            var chunk = first
            var cursor = from
            while !chunk.events.isEmpty {
                var buffer = ByteBuffer()
                buffer.reserveCapacity(Int(chunk.next - cursor) * 11 / 10 + 256)
                for event in chunk.events { NDJSONLogEncoder.append(event, to: &buffer) }
                try await writer.write(buffer)
                if chunk.ended || chunk.next == cursor { break }
                cursor = chunk.next
                chunk = try engine.logs.read(runID: runID, from: cursor, maxBytes: 1 << 20)
            }
            if follow && !chunk.ended {
                // Caught up with a live log: from here on, each event as it is written.
                var buffer = ByteBuffer()
                for try await event in engine.logs.follow(runID: runID, from: cursor) {
                    buffer.clear()
                    NDJSONLogEncoder.append(event, to: &buffer)
                    try await writer.write(buffer)
                }
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "application/x-ndjson", .cacheControl: "no-store"], body: body)
    }
}

/// Writes a `LogEvent` as one JSON line without going through `JSONEncoder`.
enum NDJSONLogEncoder {
    static func append(_ event: AMECore.LogEvent, to buffer: inout ByteBuffer) {
        buffer.writeStaticString("{\"offset\":")
        buffer.writeString(String(event.offset))
        buffer.writeStaticString(",\"next\":")
        buffer.writeString(String(event.next))
        buffer.writeStaticString(",\"kind\":\"")
        buffer.writeString(event.kind.rawValue)
        buffer.writeStaticString("\"")
        if let step = event.step {
            buffer.writeStaticString(",\"step\":")
            writeQuoted(Data(step.utf8), to: &buffer)
        }
        buffer.writeStaticString(",\"time\":\"")
        buffer.writeString(WireFormat.formatDate(event.time))
        buffer.writeStaticString("\"")
        if let exitCode = event.exitCode {
            buffer.writeStaticString(",\"exitCode\":")
            buffer.writeString(String(exitCode))
        }
        if event.kind != .end {
            // Escaped here, byte by byte with plain runs copied at once: several times faster
            // than Foundation's JSON writer on megabytes of log.
            if isUTF8(event.data) {
                buffer.writeStaticString(",\"text\":")
                writeQuoted(event.data, to: &buffer)
            } else {
                buffer.writeStaticString(",\"data\":\"")
                buffer.writeString(event.data.base64EncodedString())
                buffer.writeStaticString("\"")
            }
        }
        buffer.writeStaticString("}\n")
    }

    static func isUTF8(_ data: Data) -> Bool {
        data.withUnsafeBytes { bytes in
            // The standard library validates UTF-8 with vector instructions.
            String(validating: bytes.bindMemory(to: UInt8.self), as: UTF8.self) != nil
        }
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// A JSON string of UTF-8 bytes: quotes, backslashes and control characters escaped,
    /// runs of plain bytes copied at once.
    static func writeQuoted(_ data: Data, to buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(ascii: "\""))
        data.withUnsafeBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            var start = 0
            var index = 0
            let count = bytes.count
            while index < count {
                let byte = bytes[index]
                if byte >= 0x20 && byte != 0x22 && byte != 0x5C {
                    index += 1
                    continue
                }
                if index > start { buffer.writeBytes(UnsafeRawBufferPointer(rebasing: raw[start..<index])) }
                switch byte {
                case 0x22: buffer.writeStaticString("\\\"")
                case 0x5C: buffer.writeStaticString("\\\\")
                case 0x0A: buffer.writeStaticString("\\n")
                case 0x0D: buffer.writeStaticString("\\r")
                case 0x09: buffer.writeStaticString("\\t")
                default:
                    buffer.writeStaticString("\\u00")
                    buffer.writeInteger(hex[Int(byte >> 4)])
                    buffer.writeInteger(hex[Int(byte & 0x0F)])
                }
                index += 1
                start = index
            }
            if count > start { buffer.writeBytes(UnsafeRawBufferPointer(rebasing: raw[start..<count])) }
        }
        buffer.writeInteger(UInt8(ascii: "\""))
    }
}
