import AMESystem
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Fetches a plugin archive from an `http(s)://` or `file://` URL into a file.
///
/// HTTP goes through the system's `curl` rather than URLSession: linking
/// FoundationNetworking would load libcurl and some thirty libraries into every start of
/// `ame` (about 10 ms), for a command that runs once in a while.
enum PluginDownload {
    static let maximumSize = 512 << 20

    static func fetch(_ url: URL, to destination: URL, environment: [String: String]) async throws {
        if url.isFileURL {
            try FileManager.default.copyItem(at: url, to: destination)
            return
        }
        guard url.scheme == "https" || url.scheme == "http" else {
            throw CLIError("cannot download '\(url.absoluteString)'", hint: "use an https://, http:// or file:// URL, or a local path")
        }
        guard let curl = ExecutableLookup.find("curl", path: environment["PATH"] ?? "/usr/bin:/bin") else {
            throw CLIError("downloading plugins needs curl, which is not on the PATH",
                           hint: "install curl, or download the archive yourself and install it from its path")
        }
        var configuration = ChildProcess.Configuration(
            executable: curl,
            arguments: ["--fail", "--silent", "--show-error", "--location", "--proto", "=https,http",
                        "--connect-timeout", "30", "--max-filesize", String(maximumSize),
                        "--output", destination.path, url.absoluteString],
            environment: environment)
        configuration.standardInput = .null
        configuration.standardOutput = .null
        configuration.standardError = .pipe
        let child = try ChildProcess.spawn(configuration)
        var errorText = Data()
        if let standardError = child.standardError { errorText = await PipeReader.readAll(standardError) }
        let status = await child.waitForExit()
        guard status.succeeded else {
            let reason = String(decoding: errorText, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw CLIError("cannot download \(url.absoluteString): \(reason.isEmpty ? "curl ended with \(status)" : reason)",
                           hint: "check the URL and your network connection")
        }
    }
}
