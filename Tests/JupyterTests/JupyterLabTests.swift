import AMECore
import AMESystem
import AMETestSupport
import KubernetesTestSupport
import Foundation
import Testing

/// `ame jupyter` end to end with a real JupyterLab from PyPI, which AME installs into the
/// run's environment (the first run on a machine takes a minute or two; later ones reuse
/// the environment from the shared cache).
@Suite("ame jupyter", .serialized, .timeLimit(.minutes(20)))
struct JupyterLabTests {
    @Test("lab --detach: URL with a token, the project's files, a kernel over WebSocket, stop brings the notebook back", arguments: Transport.withKubernetes)
    func detachedSession(transport: Transport) async throws {
        let sandbox = try AMESandbox(transport)
        try await sandbox.prepare()
        let project = try JupyterFixtures.project(in: sandbox)

        let started = try await sandbox.ame(["jupyter", "lab", "--detach"], in: project, timeout: .seconds(900))
        try #require(started.exitCode == 0, "lab --detach failed:\n\(started.stderr)")
        let runID: String
        var attach: RunningProcess?
        let client: JupyterClient
        switch transport {
        case .embedded:
            // The service is on this machine: the URL reaches it directly.
            let url = started.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            client = try #require(JupyterClient(url: url), "not a URL with a token: '\(url)'")
            let listed = try await sandbox.ame(["jupyter", "list"], in: project)
            runID = try #require(listed.stdout.split(separator: "\n").dropFirst().first.map { String($0.prefix { !$0.isWhitespace }) })
            #expect(listed.stdout.contains(url), "list shows the URL:\n\(listed.stdout)")
        case .server, .kubernetes:
            // Detached on a server, the session is reached with `attach` (a tunnel through the
            // server, which dials the Pod's IP on Kubernetes).
            runID = started.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            let attached = try sandbox.start(["jupyter", "attach", runID], in: project)
            attach = attached
            #expect(await attached.waitFor("token="), "attach printed no URL: \(attached.stderrSoFar)")
            let url = attached.stdoutSoFar.split(separator: "\n").first.map(String.init) ?? ""
            client = try #require(JupyterClient(url: url), "not a URL with a token: '\(url)'")
        }
        let record = try await JupyterFixtures.status(sandbox, runID)
        #expect(record.status == .running)
        #expect(record.isService)
        #expect(record.labels?["plugin"] == "jupyter")

        // GET /api with the token; JupyterLab's own version is in the /lab page's config.
        let api = try await client.get("/api")
        #expect(api.status == 200, "\(api.body)")
        #expect(api.body.contains("\"version\""))
        let page = try await client.get("/lab")
        #expect(page.status == 200)
        #expect(page.body.range(of: #""appVersion": "4\.[0-9.]+""#, options: .regularExpression) != nil, "no JupyterLab 4 version in /lab")

        // The project's files.
        let contents = try await client.get("/api/contents")
        #expect(contents.status == 200)
        for name in ["train.py", "ame.yaml", "data"] {
            #expect(contents.body.contains("\"name\": \"\(name)\""), "\(name) is not listed: \(contents.body)")
        }

        // Without the token JupyterLab refuses (the token is not disabled).
        let anonymous = try await client.get("/api/contents", authenticated: false)
        #expect(anonymous.status == 403, "without a token: \(anonymous.status) \(anonymous.body)")
        let anonymousKernel = try await client.postWithoutToken("/api/kernels")
        #expect(anonymousKernel.status == 403)

        // A kernel started through the REST API computes 1+1 over its WebSocket.
        let execution = try await client.execute("1+1")
        #expect(execution.result == "2")

        // A notebook created in the session, and a kernel left running.
        let created = try await client.putNotebook("analysis.ipynb")
        #expect(created.status == 201, "\(created.body)")
        let kernel = try await client.startKernel()
        #expect(kernel.status == 201)
        #expect(RunProcesses.of(runID).count >= 2, "JupyterLab and its kernel run as the run's processes")

        // The token is sealed at rest and masked in the log.
        let log = try await sandbox.ame(["logs", runID])
        #expect(!log.stdout.contains(client.token) && !log.stderr.contains(client.token), "the log shows the token")
        let leaking = JupyterFixtures.dataFiles(sandbox).filter { file in
            FileManager.default.contents(atPath: file.path).map { $0.range(of: Data(client.token.utf8)) != nil } ?? false
        }
        #expect(leaking.isEmpty, "the token is stored in clear in \(leaking.map(\.path))")

        if let attach {
            attach.interrupt()
            let closed = try await attach.finish(timeout: .seconds(30))
            #expect(closed.exitCode == 0)
            #expect(try await JupyterFixtures.status(sandbox, runID).status == .running, "closing the tunnel leaves the session running")
        }

        // A tunnel still open when the session is stopped says so, without sending the
        // user to bring back files that 'stop' brings back.
        let watching = try sandbox.start(["jupyter", "attach", runID], in: project)
        #expect(await watching.waitFor("token="), "attach printed no URL: \(watching.stderrSoFar)")
        let stopped = try await sandbox.ame(["jupyter", "stop", runID], in: project)
        #expect(stopped.exitCode == 0, "\(stopped.stderr)")
        #expect(stopped.stderr.contains("analysis.ipynb"), "\(stopped.stderr)")
        let watched = try await watching.finish(timeout: .seconds(60))
        #expect(watched.stderr.contains("JupyterLab session \(runID) was stopped"), "\(watched.stderr)")
        #expect(!watched.stderr.contains("bring its files back"), "\(watched.stderr)")
        let notebook = project.appendingPathComponent("analysis.ipynb")
        let text = try String(contentsOf: notebook, encoding: .utf8)
        #expect(text.contains("1+1"))
        #expect(try await JupyterFixtures.status(sandbox, runID).status == .cancelled)
        let left = await RunProcesses.waitUntilGone(runID)
        #expect(left.isEmpty, "processes of the run are left:\n\(RunProcesses.describe(left))")
        // Once the session has ended, nothing under the data directory holds its token,
        // the run's own private files included.
        let deadline = ContinuousClock.now + .seconds(30)
        var kept: [URL] = []
        repeat {
            kept = JupyterFixtures.dataFiles(sandbox, everyFile: true).filter { file in
                FileManager.default.contents(atPath: file.path).map { $0.range(of: Data(client.token.utf8)) != nil } ?? false
            }
            if !kept.isEmpty { try await Task.sleep(for: .milliseconds(200)) }
        } while !kept.isEmpty && ContinuousClock.now < deadline
        #expect(kept.isEmpty, "the token is left in \(kept.map(\.path))")
        let afterwards = try await sandbox.ame(["jupyter", "list"], in: project)
        #expect(afterwards.stdout.contains("No JupyterLab session is running"))
    }

    @Test("lab in the foreground: a tunnel URL; Ctrl-C stops the session and brings the files back", arguments: Transport.withKubernetes)
    func foregroundSession(transport: Transport) async throws {
        let sandbox = try AMESandbox(transport)
        try await sandbox.prepare()
        let project = try JupyterFixtures.project(in: sandbox)
        let lab = try sandbox.start(["jupyter", "lab", "--idle-timeout", "1h"], in: project)
        let serving = await lab.waitFor("token=", timeout: .seconds(900))
        try #require(serving, "no URL:\n\(lab.stderrSoFar)")
        let url = lab.stdoutSoFar.split(separator: "\n").first.map(String.init) ?? ""
        let client = try #require(JupyterClient(url: url))
        let listed = try await sandbox.ame(["jupyter", "list", "--all"], in: project)
        let runID = try #require(listed.stdout.split(separator: "\n").dropFirst().first.map { String($0.prefix { !$0.isWhitespace }) })
        let running = try await JupyterFixtures.status(sandbox, runID)
        // The URL's port is the tunnel's, not the service's.
        #expect(!running.ports.contains { url.contains(":\($0.port)/") })

        #expect(try await client.execute("6*7").result == "42")
        #expect(try await client.putNotebook("session.ipynb").status == 201)
        #expect(try await client.startKernel().status == 201)

        lab.interrupt()
        let ended = try await lab.finish(timeout: .seconds(120))
        #expect(ended.exitCode == 0, "\(ended.stderr)")
        #expect(ended.stderr.contains("session.ipynb"), "\(ended.stderr)")
        #expect(FileManager.default.fileExists(atPath: project.appendingPathComponent("session.ipynb").path))
        #expect(try await JupyterFixtures.status(sandbox, runID).status == .cancelled)
        let left = await RunProcesses.waitUntilGone(runID)
        #expect(left.isEmpty, "processes of the run are left:\n\(RunProcesses.describe(left))")
    }

    @Test("usage: help, a task that is not there, a pipeline, no project")
    func usage() async throws {
        let sandbox = try AMESandbox(.embedded)
        let project = try JupyterFixtures.project(in: sandbox)
        let help = try await sandbox.ame(["jupyter", "--help"], in: project)
        #expect(help.exitCode == 0)
        for command in ["lab", "list", "attach", "stop"] { #expect(help.stdout.contains(command)) }
        let missing = try await sandbox.ame(["jupyter", "lab", "--task", "trian"], in: project)
        #expect(missing.exitCode == 64)
        #expect(missing.stderr.contains("task 'trian' is not in ame.yaml"))
        let pipeline = try await sandbox.ame(["jupyter", "lab", "--task", "nightly"], in: project)
        #expect(pipeline.exitCode == 64)
        #expect(pipeline.stderr.contains("pipeline"))
        let badTimeout = try await sandbox.ame(["jupyter", "lab", "--idle-timeout", "soon"], in: project)
        #expect(badTimeout.exitCode == 64)
        let outside = try await sandbox.ame(["jupyter", "lab"], in: sandbox.directory.url)
        #expect(outside.exitCode != 0)
        #expect(outside.stderr.contains("ame.yaml"))
        let none = try await sandbox.ame(["jupyter", "stop"], in: project)
        #expect(none.exitCode == 1)
        #expect(none.stderr.contains("no JupyterLab session is running"))
        // Every command that prints data takes --json.
        let listed = try await sandbox.ame(["jupyter", "list", "--json"], in: project)
        #expect(listed.exitCode == 0, "\(listed.stderr)")
        #expect(listed.stdout == "[]\n", "\(listed.stdout)")
        let conformance = try await sandbox.ame(["plugin", "test", Fixtures.productsDirectory.appendingPathComponent("ame-jupyter").path])
        #expect(conformance.exitCode == 0, "\(conformance.stdout)\(conformance.stderr)")
    }
}
