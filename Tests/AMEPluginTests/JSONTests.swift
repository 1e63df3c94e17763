import AMEPluginKit
import Foundation
import Testing

@Suite("AMEPluginKit: the hand-written JSON parser and writer")
struct JSONTests {
    @Test("values parse as JSONDecoder reads them, and write back to the same values")
    func roundTrip() throws {
        let text = #"{"a": [1, -2, 3.5, -0.25E-2, true, false, null], "s": "q\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00", "o": {}, "e": [], "big": 9223372036854775807}"#
        let parsed = try JSONParser.parse(text)
        let reference = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        #expect(parsed == reference)
        #expect(parsed["s"]?.stringValue == "q\"\\/\u{8}\u{c}\n\r\té😀")
        #expect(parsed["big"]?.integerValue == Int64.max)
        #expect(try JSONParser.parse("1e3").integerValue == 1000, "an integral exponent number still reads as an integer")
        let written = JSONWriter.write(parsed)
        #expect(try JSONParser.parse(Data(written)) == parsed)
        #expect(String(decoding: JSONWriter.write(["b": 1, "a": "x\u{1}y"]), as: UTF8.self) == #"{"a":"x\u0001y","b":1}"#)
    }

    @Test("malformed text is refused with a position, never a crash", arguments: [
        "", "{", "[1,]", "{\"a\" 1}", "\"abc", "tru", "01", "1.", "-", "{\"a\":1}x", "\"\\x\"", "\"\\ud83d\"", "[\"a\nb\"]",
        String(repeating: "[", count: 600) + String(repeating: "]", count: 600),
    ])
    func malformed(_ text: String) {
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(text) }
    }

    @Test("describe documents read by hand report the missing field's path")
    func describeFields() throws {
        let good = try JSONParser.parse(#"{"schemaVersion":1,"name":"x","version":"1","vendor":"v","shortDescription":"s","protocol":{"min":1,"max":1},"commands":[{"name":"go","options":[{"names":["--n"],"takesValue":true,"completion":{"kind":"values","values":["a"]}}]}]}"#)
        let description = try PluginDescription(json: good)
        #expect(try PluginDescription(json: description.json) == description)
        #expect(description.commands.first?.options?.first?.completion == CompletionDescription(kind: .values, values: ["a"]))

        func problem(_ text: String) -> String? {
            do {
                _ = try PluginDescription(json: try JSONParser.parse(text))
                return nil
            } catch let error as JSONFields.Problem {
                return error.description
            } catch {
                return "\(error)"
            }
        }
        #expect(problem(#"{"schemaVersion":1,"name":"x","vendor":"v","shortDescription":"s","protocol":{"min":1,"max":1},"commands":[]}"#) == "'version' is missing")
        #expect(problem(#"{"schemaVersion":1,"name":"x","version":"1","vendor":"v","shortDescription":"s","protocol":{"min":1},"commands":[]}"#) == "'protocol.max' is missing")
        #expect(problem(#"{"schemaVersion":1,"name":"x","version":"1","vendor":"v","shortDescription":"s","protocol":{"min":1,"max":1},"commands":[{"abstract":"no name"}]}"#) == "'commands[0].name' is missing")
        #expect(problem(#"{"schemaVersion":"1","name":"x","version":"1","vendor":"v","shortDescription":"s","protocol":{"min":1,"max":1},"commands":[]}"#) == "'schemaVersion' is not an integer")
        #expect(problem(#"{"schemaVersion":1,"name":"x","version":"1","vendor":"v","shortDescription":"s","protocol":{"min":1,"max":1},"commands":[{"name":"a","arguments":[{"name":"t","completion":{"kind":"magic"}}]}]}"#) == "'commands[0].arguments[0].completion.kind' is 'magic', not one of none, file, directory, values, task, run, secret, server, dynamic")
    }
}
