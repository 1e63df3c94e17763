import AMETestSupport
import Foundation
import Testing

/// "Every command that prints data takes --json" (README, "Commands"), for the plugins AME ships.
@Suite("First-party plugins: --json")
struct FirstPartyJSONTests {
    static let plugins = ["ame-jupyter", "ame-image", "ame-mlflow"]

    /// The leaf commands of a describe document, as "NAME SUB" paths with their option names.
    static func leaves(_ commands: [[String: Any]], prefix: String) -> [(path: String, options: [String])] {
        commands.flatMap { command -> [(path: String, options: [String])] in
            let path = prefix + " " + (command["name"] as? String ?? "?")
            if let nested = command["commands"] as? [[String: Any]], !nested.isEmpty { return leaves(nested, prefix: path) }
            let options = (command["options"] as? [[String: Any]] ?? []).flatMap { $0["names"] as? [String] ?? [] }
            return [(path, options)]
        }
    }

    @Test("every command of ame-jupyter, ame-image and ame-mlflow takes --json", arguments: plugins)
    func everyCommandTakesJSON(plugin: String) throws {
        let binary = Fixtures.productsDirectory.appendingPathComponent(plugin)
        let process = Process()
        process.executableURL = binary
        process.arguments = ["--ame-describe"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let document = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let commands = Self.leaves(document["commands"] as? [[String: Any]] ?? [], prefix: "ame \(plugin.dropFirst(4))")
        #expect(!commands.isEmpty)
        for command in commands {
            #expect(command.options.contains("--json"), "\(command.path) does not take --json")
        }
    }
}
