import AMECore
import ArgumentParser
import Foundation

/// `ame validate`: every problem in ame.yaml at once, as file:line:column.
struct ValidateCommand: AMECommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check ame.yaml and report every problem with its line and column.",
        discussion: """
            Exits 0 when the file is valid and 1 when it is not. With --remote, also asks each \
            task's image registry (OCI distribution API) whether the image exists, with the \
            credentials of the container auth file or of the AME secret 'registry-HOST'.
            """)

    @OptionGroup var project: ProjectOptions

    @Flag(name: .long, help: "Print the result as JSON.")
    var json = false

    @Flag(name: .long, help: "Also check that every task's image exists in its registry.")
    var remote = false

    @Flag(name: .long, help: "With --remote: allow registries without verified TLS (loopback registries always are).")
    var insecure = false

    struct Report: Encodable {
        var file: String
        var valid: Bool
        var errors: Int
        var warnings: Int
        var diagnostics: [Diagnostic]
        var project: ProjectFile?
        /// Secrets the tasks name (`secrets`, `data[].secret`, `artifacts.secret`) that are not set.
        var missingSecrets: [MissingSecret]?
        /// Why the secrets could not be checked (the engine could not be reached).
        var secretCheckProblem: String?
        /// With --remote: each image and what its registry said.
        var images: [ImageCheck]?
    }

    struct MissingSecret: Encodable {
        var secret: String
        var task: String
        /// The s3:// address that needs it, or `$VARIABLE` for one of the task's `secrets`.
        var usedFor: String
        /// S3 credentials (`data`, `artifacts`) rather than a variable of the task.
        var storage: Bool
    }

    func run(context: CommandContext) async throws {
        let loader = try project.loader(in: context)
        let (source, result) = try loader.decode()
        let errors = result.errors.count
        if json {
            var report = Report(file: loader.displayPath, valid: result.isValid, errors: errors,
                                warnings: result.diagnostics.count - errors, diagnostics: result.diagnostics,
                                project: result.isValid ? result.project : nil)
            var valid = result.isValid
            if result.isValid, let parsed = result.project {
                let check = await checkSecrets(parsed, context: context)
                report.missingSecrets = check.missing
                report.secretCheckProblem = check.problem
                if remote {
                    let images = await checkImages(parsed, source: source, file: loader.displayPath, context: context)
                    report.images = images
                    report.diagnostics += images.compactMap(\.diagnostic)
                    let remoteErrors = images.compactMap(\.diagnostic).filter { $0.severity == .error }.count
                    report.errors += remoteErrors
                    report.warnings = report.diagnostics.count - report.errors
                    valid = remoteErrors == 0
                    report.valid = valid
                }
            }
            try JSONOutput.write(report, to: context.terminal)
            if !valid { throw ExitStatus(1) }
            return
        }
        guard result.isValid, let parsed = result.project else {
            throw DiagnosticsFailure(diagnostics: result.diagnostics, source: source)
        }
        DiagnosticsFailure(diagnostics: result.diagnostics, source: source).render(to: context.terminal)
        if remote {
            let images = await checkImages(parsed, source: source, file: loader.displayPath, context: context)
            let diagnostics = images.compactMap(\.diagnostic)
            if diagnostics.contains(where: { $0.severity == .error }) {
                throw DiagnosticsFailure(diagnostics: diagnostics, source: source)
            }
            DiagnosticsFailure(diagnostics: diagnostics, source: source).render(to: context.terminal)
        }
        let style = context.terminal.style
        let check = await checkSecrets(parsed, context: context)
        for missing in check.missing ?? [] {
            context.terminal.errLine("\(style.yellow("warning:")) task '\(missing.task)' needs the secret '\(missing.secret)' for \(missing.usedFor), which is not set")
            context.terminal.errLine("  hint: set it with 'ame secret set \(missing.secret)'"
                                     + (missing.storage ? " (AWS_ACCESS_KEY_ID=… and AWS_SECRET_ACCESS_KEY=… lines)" : "; the run fails before it starts without it"))
        }
        if let problem = check.problem {
            context.terminal.errLine("\(style.yellow("warning:")) could not check the secrets: \(problem)")
        }
        let taskCount = parsed.tasks.count
        var summary = "\(style.green("✓")) \(loader.displayPath) is valid: project '\(parsed.projectName)', \(taskCount) task\(taskCount == 1 ? "" : "s")"
        if !parsed.recurringTasks.isEmpty {
            summary += ", \(parsed.recurringTasks.count) schedule\(parsed.recurringTasks.count == 1 ? "" : "s")"
        }
        if remote {
            let count = Set(Self.imageUses(parsed).map(\.image)).count
            summary += count == 0 ? "; no task names an image" : "; \(count) image\(count == 1 ? "" : "s") checked in \(count == 1 ? "its registry" : "their registries")"
        }
        context.terminal.outLine(summary)
    }

    /// The secrets the tasks name (`secrets`, and `data` and `artifacts` entries) that the
    /// engine does not hold. Not reaching the engine is a warning, not a failure: the file
    /// itself is valid.
    func checkSecrets(_ project: ProjectFile, context: CommandContext) async -> (missing: [MissingSecret]?, problem: String?) {
        var needed: [MissingSecret] = []
        for name in project.taskNames {
            guard let task = project.task(named: name) else { continue }
            for step in task.effectiveSteps {
                for secret in step.secrets {
                    needed.append(MissingSecret(secret: secret.name, task: task.name, usedFor: "$" + secret.envKey, storage: false))
                }
                for source in step.data {
                    if let secret = source.secret { needed.append(MissingSecret(secret: secret, task: task.name, usedFor: source.source, storage: true)) }
                }
            }
            for spec in task.allArtifactSpecs {
                if let secret = spec.secret {
                    needed.append(MissingSecret(secret: secret, task: task.name, usedFor: spec.destination ?? "artifacts", storage: true))
                }
            }
        }
        guard !needed.isEmpty else { return (nil, nil) }
        let known: Set<String>
        do {
            known = Set(try await context.jobsAPI().listSecrets().map(\.name))
        } catch {
            return (nil, "\(error)")
        }
        var seen = Set<String>()
        let missing = needed.filter { !known.contains($0.secret) && seen.insert("\($0.task)\n\($0.secret)\n\($0.usedFor)").inserted }
        return (missing, nil)
    }
}
