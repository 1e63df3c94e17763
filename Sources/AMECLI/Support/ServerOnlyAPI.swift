import AMEClient
import Foundation

/// Commands that exist only on an ame-server (tokens, tracked projects, schedules): the
/// embedded engine has no process that keeps running to poll or fire.
enum ServerOnlyAPI {
    static func client(_ context: CommandContext, what: String) throws -> HTTPJobsAPI {
        guard let client = try context.jobsAPI(local: false) as? HTTPJobsAPI else {
            throw CLIError("\(what) live on an ame-server, which keeps running to poll and fire them; ame uses the embedded engine now",
                           hint: "point ame at a server first: ame setup URL --token TOKEN")
        }
        return client
    }
}
