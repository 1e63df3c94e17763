import AMEPluginKit
import Foundation
import Testing

@Suite("Plugin protocol messages")
struct MessageTests {
    @Test("requests, notifications and responses survive a round trip through one line")
    func roundTrip() throws {
        let messages: [RPCMessage] = [
            .request(id: .number(1), method: "initialize", params: ["protocolVersion": 1]),
            .request(id: .string("a"), method: "run", params: ["argv": ["greet", "--name", "Ada"]]),
            .notification(method: "$/cancel", params: nil),
            .response(id: .number(2), result: .success(["exitCode": 0])),
            .response(id: .number(3), result: .success(.null)),
            .response(id: .number(4), result: .failure(RPCError(.usage, "bad", hint: "try --help"))),
        ]
        for message in messages {
            let line = try message.encoded()
            #expect(line.last == 0x0A)
            #expect(line.dropLast().firstIndex(of: 0x0A) == nil, "one message, one line")
            #expect(try RPCMessage.parse(line.dropLast()) == message)
        }
    }

    @Test("lines that are not JSON-RPC are told apart with a reason")
    func malformed() {
        func reason(_ text: String) -> String? {
            do {
                _ = try RPCMessage.parse(Data(text.utf8))
                return nil
            } catch {
                return error.reason
            }
        }
        #expect(reason("hello") == "text that is not JSON")
        #expect(reason(#"{"id": 1, "result": 2}"#) == #"a message without "jsonrpc": "2.0""#)
        #expect(reason(#"{"jsonrpc": "2.0"}"#) == #"a message with neither "method" nor "id""#)
        #expect(reason(#"{"jsonrpc": "2.0", "id": 1}"#) == #"a response with neither "result" nor "error""#)
    }

    @Test("error codes map to documented exit statuses; data.exitCode wins")
    func exitStatuses() {
        #expect(RPCError(.usage, "x").exitStatus == 64)
        #expect(RPCError(.cancelled, "x").exitStatus == 130)
        #expect(RPCError(.failed, "x").exitStatus == 1)
        #expect(RPCError(.unavailable, "x").exitStatus == 69)
        #expect(RPCError(.failed, "x", exitCode: 3).exitStatus == 3)
        #expect(RPCError(code: -1234, message: "x").exitStatus == 1)
        #expect(RPCError(code: -32000, message: "x", data: ["exitCode": 999]).exitStatus == 1)
    }
}
