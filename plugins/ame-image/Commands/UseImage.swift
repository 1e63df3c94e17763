import AMEPluginKit
import ArgumentParser
import Foundation

/// `ame image use TASK IMAGE`: sets `image:` of a task (or pipeline step) in ame.yaml,
/// through AME, which edits only that value and checks the file still reads as intended.
struct UseImage: AMEPluginCommand {
    static let configuration = CommandConfiguration(
        commandName: "use",
        abstract: "Set the image of a task (or TASK/STEP) in ame.yaml.")

    @Argument(help: ArgumentHelp("The task, or TASK/STEP for a step of a pipeline.", valueName: "task"), completion: AMECompletion.task)
    var task: String

    @Argument(help: ArgumentHelp("The image (default: the last one 'ame image build --push' or 'ame image push' pushed here).", valueName: "image"))
    var image: String?

    @Flag(help: "Print the result as JSON on stdout (messages stay on stderr).")
    var json = false

    func run(host: AMEHost) async throws -> PluginOutcome {
        host.printsJSON = json
        let environment = ProcessInfo.processInfo.environment
        let (taskName, step) = try Self.split(task)
        var reference = image
        if reference == nil {
            let project = try await ProjectSnapshot.load(host)
            reference = PluginState.load(environment: environment).projects[project.directory.path]?.lastPush
        }
        guard let reference else {
            throw PluginFailure("no image given, and none was pushed from this project yet",
                                hint: "name it: 'ame image use \(task) REGISTRY/NAME:TAG'", exitCode: 64)
        }
        _ = try ImageName.argument(reference, what: "the image:")
        let change = try await host.setImage(task: taskName, step: step, image: reference)
        host.print(Self.sentence(change))
        var data: [String: JSONValue] = ["task": .string(taskName), "image": .string(reference), "changed": .bool(change.changed),
                                         "file": .string(change.file), "line": .integer(Int64(change.line))]
        if let step { data["step"] = .string(step) }
        if let previous = change.previous { data["previous"] = .string(previous) }
        return PluginOutcome(exitCode: 0, data: .object(data))
    }

    /// `main/fit` → (`main`, `fit`).
    static func split(_ text: String) throws -> (String, String?) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard (1...2).contains(parts.count), parts.allSatisfy({ !$0.isEmpty }) else {
            throw PluginFailure("'\(text)' is not a task: write TASK or TASK/STEP", exitCode: 64)
        }
        return (parts[0], parts.count == 2 ? parts[1] : nil)
    }

    static func sentence(_ change: ProjectSetImageResult) -> String {
        let owner = change.step.map { "step '\($0)' of task '\(change.task)'" } ?? "task '\(change.task)'"
        let file = (change.file as NSString).lastPathComponent
        guard change.changed else { return "\(owner) already uses \(change.image)" }
        if let previous = change.previous {
            return "\(owner) now uses \(change.image) (was \(previous)); \(file) line \(change.line)"
        }
        return "\(owner) now uses \(change.image); \(file) line \(change.line)"
    }
}
