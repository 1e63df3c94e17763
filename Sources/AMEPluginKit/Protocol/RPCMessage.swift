import Foundation

/// One line of the protocol: a request, a notification or a response (JSON-RPC 2.0).
public enum RPCMessage: Hashable, Sendable {
    case request(id: RPCID, method: String, params: JSONValue?)
    case notification(method: String, params: JSONValue?)
    case response(id: RPCID, result: Result<JSONValue, RPCError>)

    /// Why a line is not a JSON-RPC message, in words fit for an error message.
    public struct Malformed: Error, Sendable, CustomStringConvertible {
        public var reason: String
        public var description: String { reason }
    }

    /// Parses one line (without its newline).
    public static func parse(_ line: Data) throws(Malformed) -> RPCMessage {
        let envelope: Envelope
        do {
            envelope = try JSONCoding.decoder.decode(Envelope.self, from: line)
        } catch {
            let isObject = line.first(where: { ![0x20, 0x09, 0x0D].contains($0) }) == UInt8(ascii: "{")
            throw Malformed(reason: isObject ? "a JSON object that is not a JSON-RPC message" : "not JSON")
        }
        guard envelope.jsonrpc == "2.0" else { throw Malformed(reason: "a message without \"jsonrpc\": \"2.0\"") }
        if let method = envelope.method {
            if let id = envelope.id { return .request(id: id, method: method, params: envelope.params) }
            return .notification(method: method, params: envelope.params)
        }
        guard let id = envelope.id else { throw Malformed(reason: "a message with neither \"method\" nor \"id\"") }
        if let error = envelope.error { return .response(id: id, result: .failure(error)) }
        guard envelope.hasResult else { throw Malformed(reason: "a response with neither \"result\" nor \"error\"") }
        return .response(id: id, result: .success(envelope.result ?? .null))
    }

    /// The message as one line of JSON, newline included.
    public func encoded() throws -> Data {
        var object: [String: JSONValue] = ["jsonrpc": "2.0"]
        switch self {
        case .request(let id, let method, let params):
            object["id"] = id.jsonValue
            object["method"] = .string(method)
            if let params { object["params"] = params }
        case .notification(let method, let params):
            object["method"] = .string(method)
            if let params { object["params"] = params }
        case .response(let id, let result):
            object["id"] = id.jsonValue
            switch result {
            case .success(let value): object["result"] = value
            case .failure(let error): object["error"] = try JSONValue(encoding: error)
            }
        }
        var data = try JSONCoding.encoder.encode(JSONValue.object(object))
        data.append(0x0A)
        return data
    }

    public var method: String? {
        switch self {
        case .request(_, let method, _), .notification(let method, _): method
        case .response: nil
        }
    }

    private struct Envelope: Decodable {
        var jsonrpc: String?
        var id: RPCID?
        var method: String?
        var params: JSONValue?
        var result: JSONValue?
        var hasResult: Bool
        var error: RPCError?

        enum CodingKeys: String, CodingKey { case jsonrpc, id, method, params, result, error }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            jsonrpc = try container.decodeIfPresent(String.self, forKey: .jsonrpc)
            // A null id (allowed in error responses to unparseable requests) counts as absent.
            id = try? container.decodeIfPresent(RPCID.self, forKey: .id)
            method = try container.decodeIfPresent(String.self, forKey: .method)
            params = try container.decodeIfPresent(JSONValue.self, forKey: .params)
            hasResult = container.contains(.result)
            result = try container.decodeIfPresent(JSONValue.self, forKey: .result)
            error = try container.decodeIfPresent(RPCError.self, forKey: .error)
        }
    }
}

extension RPCID {
    var jsonValue: JSONValue {
        switch self {
        case .number(let number): .integer(number)
        case .string(let string): .string(string)
        }
    }
}
