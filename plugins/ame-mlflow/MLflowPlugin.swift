import AMEPluginKit
import ArgumentParser
import Foundation

/// `ame mlflow`: an MLflow tracking server as a service run, and every run of a project
/// recorded in it through the project's run hook (.ame/hooks/mlflow.json).
struct MLflow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mlflow",
        abstract: "An MLflow tracking server on AME; every run of an enabled project recorded in it.",
        discussion: """
            'ame mlflow start' runs 'mlflow server' as a long-running service run whose store \
            survives restarts. 'ame mlflow enable' turns recording on for the project in the \
            current directory: from then on every 'ame run' is an MLflow run in the project's \
            experiment, tagged with the AME run id and task, with AME's params, the files the \
            run wrote, and its status; code that uses MLflow itself logs into that same run.
            """,
        subcommands: [Start.self, Stop.self, Status.self, Enable.self, Disable.self, UI.self, Runs.self])
}

@main
enum Main {
    static func main() async {
        await PluginRuntime.main(MLflow.self, about: PluginAbout(version: "1.0.0", vendor: "AME"))
    }
}
