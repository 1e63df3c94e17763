import AMEPluginKit
import AMESystem
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The short session behind Tab on a `dynamic` argument: start the plugin, `initialize`,
/// `complete`, read the candidates, end it. Everything must happen within one second; past
/// that, or on any mistake of the plugin's, there are no candidates and nothing is printed
/// (the plugin's stderr is discarded: it would land in the middle of the user's prompt).
enum PluginCompleteRequest {
    static let deadline: Duration = .seconds(1)

    static func candidates(record: PluginRecord, argv: [String], context: CommandContext,
                           deadline: Duration = deadline) async -> [CompletionCandidate] {
        guard let description = record.status.description else { return [] }
        let version = description.protocol.highestCommonVersion(with: PluginProtocol.supported) ?? PluginProtocol.current
        var environment = PluginEnvironment.forSession(context: context, protocolVersion: version)
        // Set by ArgumentParser's scripts for AME; a Swift plugin would format for the shell too.
        environment.removeValue(forKey: "SAP_SHELL")
        environment.removeValue(forKey: "SAP_SHELL_VERSION")

        let (events, sink) = AsyncStream<PluginProcess.Output>.makeStream()
        let process: PluginProcess
        do {
            process = try PluginProcess.start(path: record.path, arguments: [], environment: environment,
                                              workingDirectory: context.workingDirectory.path,
                                              stderr: { _ in }, onOutput: { sink.yield($0) })
        } catch {
            return []
        }
        let exitWatch = ExitWatch(process.child)
        let timer = Task {
            try? await Task.sleep(for: deadline)
            if !Task.isCancelled { sink.finish() }
        }
        defer {
            timer.cancel()
            process.closeInput()
            // A plugin that answered exits when its stdin closes; one that did not is stopped.
            if exitWatch.ended == nil { process.child.sendToGroup(SIGKILL) }
        }

        let session = PluginSession(name: record.name, path: record.path, protocolVersion: version, context: context,
                                    services: PluginServices.unavailable)
        let initializeID = RPCID.number(1)
        let completeID = RPCID.number(2)
        process.send(.request(id: initializeID, method: PluginMethod.initialize, params: session.initializeParams().json))
        for await event in events {
            switch event {
            case .message(.response(let id, let result)):
                if id == initializeID {
                    guard case .success(let value) = result, (try? InitializeResult(json: value))?.protocolVersion == version else { return [] }
                    process.send(.request(id: completeID, method: PluginMethod.complete, params: CompleteParams(argv: argv).json))
                } else if id == completeID {
                    guard case .success(let value) = result, let answer = try? CompleteResult(json: value) else { return [] }
                    return answer.candidates
                }
            case .message(.request(let id, let method, _)):
                // No host methods while the user waits at the prompt.
                process.send(.response(id: id, result: .failure(RPCError(.unavailable, "'\(method)' is not available while completing"))))
            case .message(.notification):
                continue
            case .malformed, .lineTooLong, .closed:
                return []
            }
        }
        return []
    }
}
