import AMECore
import AMESystem
import AMETestSupport
import Foundation
import Testing

/// The browser's side of a JupyterLab session, played by `Tests/Helpers/jupyter/jupyter_client.py`
/// (standard library only: REST with a token, and a kernel's WebSocket).
struct JupyterClient {
    /// `http://127.0.0.1:PORT`.
    var base: String
    var token: String

    struct Response: Decodable {
        var status: Int
        var body: String
    }

    struct Execution: Decodable {
        var result: String?
        var kernel: String
    }

    static let script = Fixtures.repositoryRoot.appendingPathComponent("Tests/Helpers/jupyter/jupyter_client.py").path

    /// Splits `http://127.0.0.1:PORT/lab?token=T`.
    init?(url: String) {
        guard let components = URLComponents(string: url.trimmingCharacters(in: .whitespacesAndNewlines)),
              let host = components.host, let port = components.port,
              let token = components.queryItems?.first(where: { $0.name == "token" })?.value else { return nil }
        base = "\(components.scheme ?? "http")://\(host):\(port)"
        self.token = token
    }

    func get(_ path: String, authenticated: Bool = true) async throws -> Response {
        try await call(["get", base, path] + (authenticated ? [token] : []), as: Response.self)
    }

    func putNotebook(_ path: String) async throws -> Response {
        try await call(["put-notebook", base, token, path], as: Response.self)
    }

    func execute(_ code: String) async throws -> Execution {
        try await call(["execute", base, token, code], as: Execution.self)
    }

    /// Starts a kernel and leaves it running (so stopping must take it down too).
    func startKernel() async throws -> Response {
        try await call(["start-kernel", base, token], as: Response.self)
    }

    /// POST without the token.
    func postWithoutToken(_ path: String) async throws -> Response {
        try await call(["start-kernel", base, ""], as: Response.self)
    }

    struct HelperFailed: Error, CustomStringConvertible {
        var description: String
    }

    private func call<T: Decodable>(_ arguments: [String], as type: T.Type) async throws -> T {
        let python = ExecutableLookup.find("python3", path: ProcessInfo.processInfo.environment["PATH"]) ?? "/usr/bin/python3"
        var configuration = ChildProcess.Configuration(executable: python, arguments: [Self.script] + arguments,
                                                       environment: ProcessInfo.processInfo.environment)
        configuration.standardOutput = .pipe
        configuration.standardError = .pipe
        let child = try ChildProcess.spawn(configuration)
        async let out = PipeReader.readAll(child.standardOutput!)
        async let err = PipeReader.readAll(child.standardError!)
        let (stdout, stderr) = await (out, err)
        let status = await child.waitForExit()
        guard status.succeeded else {
            throw HelperFailed(description: "jupyter_client.py \(arguments.first ?? "") failed (\(status)):\n\(String(decoding: stderr, as: UTF8.self))")
        }
        do {
            return try JSONDecoder().decode(type, from: stdout)
        } catch {
            throw HelperFailed(description: "jupyter_client.py printed \(String(decoding: stdout, as: UTF8.self)): \(error)")
        }
    }
}

enum RunProcesses {
    /// Processes of run `id`: every process AME starts for a run carries `AME_RUN_ID` in
    /// its environment, and so does everything they start (JupyterLab's kernels too, which
    /// live in sessions of their own).
    static func of(_ id: String) -> [Int32] {
        let marker = Data("AME_RUN_ID=\(id)\u{0}".utf8)
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        return entries.compactMap { Int32($0) }.filter { pid in
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { return false }
            return data.range(of: marker) != nil
        }
    }

    /// Waits up to `timeout` for the run's processes to be gone; the ones left.
    static func waitUntilGone(_ id: String, timeout: Duration = .seconds(20)) async -> [Int32] {
        let deadline = ContinuousClock.now + timeout
        var left = of(id)
        while !left.isEmpty && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(200))
            left = of(id)
        }
        return left
    }

    static func describe(_ pids: [Int32]) -> String {
        pids.map { pid in
            let command = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline").map {
                String(decoding: $0, as: UTF8.self).replacingOccurrences(of: "\u{0}", with: " ")
            } ?? "?"
            return "\(pid): \(command)"
        }.joined(separator: "\n")
    }
}

enum JupyterFixtures {
    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()

    /// A project with data and code but no Python dependency files: AME makes it an
    /// environment holding JupyterLab alone (shared by every test, built once per machine).
    static func project(in sandbox: AMESandbox) throws -> URL {
        try sandbox.project([
            "ame.yaml": """
                projectname: notebooks
                tasks:
                  train:
                    runcommand: python train.py
                  nightly:
                    pipeline:
                      prepare: {runcommand: echo prepare}
                      fit: {runcommand: echo fit}

                """,
            "train.py": "print('training')\n",
            "data/numbers.csv": "a,b\n1,2\n",
        ])
    }

    /// `ame status RUN --json`.
    static func status(_ sandbox: AMESandbox, _ id: String) async throws -> RunRecord {
        let result = try await sandbox.ame(["status", id, "--json"])
        return try decoder.decode(RunRecord.self, from: result.stdoutData)
    }

    /// Every file under the engine's data directory (database, logs, blobs).
    /// Every file AME keeps under its data directories, except what a running run writes in
    /// its sandbox's /tmp and its user's home (`sandboxes/RUN/`, `homes/USER/`: JupyterLab's
    /// runtime file with its token among it, seen by no one else, and gone once JupyterLab
    /// has stopped; `everyFile: true` includes them).
    static func dataFiles(_ sandbox: AMESandbox, everyFile: Bool = false) -> [URL] {
        let roots = [URL(fileURLWithPath: sandbox.environment["XDG_DATA_HOME"] ?? "").appendingPathComponent("ame")]
            + [sandbox.server?.dataDirectory].compactMap { $0 }
        return roots.flatMap { root -> [URL] in
            guard let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey]) else { return [] }
            return enumerator.compactMap { $0 as? URL }
        }
            .filter { (try? $0.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true }
            // The plugin's own session files keep the token on purpose (see the plugin's README).
            .filter { !$0.path.contains("/plugin-data/jupyter/") }
            .filter { everyFile || !($0.path.contains("/sandboxes/") || $0.path.contains("/homes/")) }
    }
}
