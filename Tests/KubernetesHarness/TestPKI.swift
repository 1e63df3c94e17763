import AMESystem
import Foundation

/// A certificate authority with a server certificate (for 127.0.0.1 and localhost) and a
/// client certificate, made with `openssl` for one test run.
public struct TestPKI: Sendable {
    public let directory: URL
    public var caCertificate: URL { directory.appendingPathComponent("ca.crt") }
    public var serverCertificate: URL { directory.appendingPathComponent("server.crt") }
    public var serverKey: URL { directory.appendingPathComponent("server.key") }
    public var clientCertificate: URL { directory.appendingPathComponent("client.crt") }
    public var clientKey: URL { directory.appendingPathComponent("client.key") }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public init(directory: URL, clientName: String = "ame-client") async throws {
        self.directory = directory
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let d = directory.path
        try await Self.openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                                "-keyout", "\(d)/ca.key", "-out", "\(d)/ca.crt", "-days", "2", "-subj", "/CN=harness-ca"])
        try "subjectAltName=IP:127.0.0.1,DNS:localhost\n".write(toFile: "\(d)/server.ext", atomically: true, encoding: .utf8)
        for (name, subject, extensions) in [("server", "/CN=127.0.0.1", ["-extfile", "\(d)/server.ext"]), ("client", "/CN=\(clientName)", [])] {
            try await Self.openssl(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                                    "-keyout", "\(d)/\(name).key", "-out", "\(d)/\(name).csr", "-subj", subject])
            try await Self.openssl(["x509", "-req", "-in", "\(d)/\(name).csr", "-CA", "\(d)/ca.crt", "-CAkey", "\(d)/ca.key",
                                    "-CAcreateserial", "-out", "\(d)/\(name).crt", "-days", "2"] + extensions)
        }
    }

    private static func openssl(_ arguments: [String]) async throws {
        var configuration = ChildProcess.Configuration(executable: "/usr/bin/openssl", arguments: arguments,
                                                       environment: ProcessInfo.processInfo.environment)
        configuration.standardOutput = .pipe
        configuration.standardError = .pipe
        let child = try ChildProcess.spawn(configuration)
        async let out = readAll(child.standardOutput)
        async let err = readAll(child.standardError)
        let status = await child.waitForExit()
        let (_, errors) = await (out, err)
        guard status.succeeded else {
            throw Failure(description: "openssl \(arguments.first ?? "") failed: \(String(decoding: errors, as: UTF8.self))")
        }
    }

    private static func readAll(_ handle: FileHandle?) async -> Data {
        guard let handle else { return Data() }
        return await PipeReader.readAll(handle)
    }
}
