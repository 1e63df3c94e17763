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
        let value: JSONValue
        do {
            value = try JSONParser.parse(line)
        } catch {
            throw Malformed(reason: "text that is not JSON")
        }
        guard case .object(let object) = value else { throw Malformed(reason: "JSON that is not a JSON-RPC message") }
        guard object["jsonrpc"] == .string("2.0") else { throw Malformed(reason: "a message without \"jsonrpc\": \"2.0\"") }
        // A null id (allowed in error responses to unparseable requests) counts as absent.
        let id: RPCID? = switch object["id"] {
        case .integer(let number)?: .number(number)
        case .string(let text)?: .string(text)
        default: nil
        }
        if let methodValue = object["method"] {
            guard case .string(let method) = methodValue else { throw Malformed(reason: "a message whose \"method\" is not a string") }
            if let id { return .request(id: id, method: method, params: object["params"]) }
            return .notification(method: method, params: object["params"])
        }
        guard let id else { throw Malformed(reason: "a message with neither \"method\" nor \"id\"") }
        if let error = object["error"] {
            guard let fields = try? JSONFields(error), let code = try? fields.integer("code"),
                  let message = try? fields.string("message") else {
                throw Malformed(reason: "an error response without \"code\" and \"message\"")
            }
            return .response(id: id, result: .failure(RPCError(code: Int(code), message: message, data: fields.object["data"])))
        }
        guard let result = object["result"] else { throw Malformed(reason: "a response with neither \"result\" nor \"error\"") }
        return .response(id: id, result: .success(result))
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
            case .failure(let error):
                var fields: [String: JSONValue] = ["code": .integer(Int64(error.code)), "message": .string(error.message)]
                if let data = error.data { fields["data"] = data }
                object["error"] = .object(fields)
            }
        }
        var bytes = JSONWriter.write(.object(object))
        bytes.append(0x0A)
        return Data(bytes)
    }

    public var method: String? {
        switch self {
        case .request(_, let method, _), .notification(let method, _): method
        case .response: nil
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
