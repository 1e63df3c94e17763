import AMESystem
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Smart HTTP with basic auth on 127.0.0.1: a small Python server that checks the
/// `Authorization` header and hands each request to `git http-backend` as CGI, logging every
/// request line and header it received to `log` (so a test can check no token leaked past
/// the wire into a log).
public final class GitHTTPServer: @unchecked Sendable {
    public let port: Int
    public let log: URL
    let process: ChildProcess

    static let script = #"""
import base64, os, subprocess, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
root, user, password, portfile, logfile = sys.argv[1:6]
expected = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
log = open(logfile, "a", buffering=1)
class Handler(BaseHTTPRequestHandler):
    def log_message(self, format, *args):
        log.write("%s\n" % (format % args))
    def do_GET(self): self.handle_git()
    def do_POST(self): self.handle_git()
    def handle_git(self):
        if self.headers.get("Authorization") != expected:
            log.write("refused %s (%s)\n" % (self.path, "no credentials" if self.headers.get("Authorization") is None else "wrong credentials"))
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="ame-test"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        path, _, query = self.path.partition("?")
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        env = dict(os.environ, GIT_PROJECT_ROOT=root, GIT_HTTP_EXPORT_ALL="1", PATH_INFO=path, QUERY_STRING=query,
                   REQUEST_METHOD=self.command, CONTENT_TYPE=self.headers.get("Content-Type", ""),
                   CONTENT_LENGTH=str(len(body)), REMOTE_USER=user, REMOTE_ADDR="127.0.0.1")
        if self.headers.get("Content-Encoding"): env["HTTP_CONTENT_ENCODING"] = self.headers["Content-Encoding"]
        if self.headers.get("Git-Protocol"): env["GIT_PROTOCOL"] = self.headers["Git-Protocol"]
        out = subprocess.run(["git", "http-backend"], input=body, env=env, capture_output=True).stdout
        head, _, payload = out.partition(b"\r\n\r\n")
        if not payload and b"\n\n" in out: head, _, payload = out.partition(b"\n\n")
        status, headers = 200, []
        for line in head.decode().splitlines():
            name, _, value = line.partition(":")
            if name.lower() == "status": status = int(value.strip().split()[0])
            elif name: headers.append((name, value.strip()))
        self.send_response(status)
        for name, value in headers: self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(portfile + ".tmp", "w") as f: f.write(str(server.server_address[1]))
os.rename(portfile + ".tmp", portfile)
server.serve_forever()
"""#

    /// Serves repositories under `root`, accepting only `user`:`password`.
    public init(root: URL, user: String, password: String, scratch: URL) throws {
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        let scriptFile = scratch.appendingPathComponent("git-http-server.py")
        try Data(Self.script.utf8).write(to: scriptFile)
        let portFile = scratch.appendingPathComponent("git-http.port")
        log = scratch.appendingPathComponent("git-http.log")
        let python = ["/usr/bin/python3", "/usr/local/bin/python3"].first { FileManager.default.isExecutableFile(atPath: $0) } ?? "python3"
        var configuration = ChildProcess.Configuration(
            executable: python, arguments: [scriptFile.path, root.path, user, password, portFile.path, log.path],
            environment: ProcessInfo.processInfo.environment)
        configuration.standardOutput = .null
        configuration.standardError = .null
        process = try ChildProcess.spawn(configuration)
        let deadline = Date().addingTimeInterval(30)
        var found: Int?
        while found == nil, Date() < deadline, process.exitStatusIfEnded == nil {
            found = (try? String(contentsOf: portFile, encoding: .utf8)).flatMap { Int($0) }
            if found == nil { usleep(20_000) }
        }
        guard let found else {
            process.sendToGroup(SIGKILL)
            throw GitTestRepository.GitError(description: "the git HTTP server did not start")
        }
        port = found
    }

    /// http://127.0.0.1:PORT/NAME for a repository at ROOT/NAME.
    public func url(_ name: String) -> String { "http://127.0.0.1:\(port)/\(name)" }

    public func stop() {
        process.sendToGroup(SIGKILL)
        while process.exitStatusIfEnded == nil { usleep(2_000) }
    }

    deinit { stop() }
}
