import AMEClient
import Foundation

/// Fetches a plugin archive from an `http(s)://` or `file://` URL into a file. HTTP goes
/// through `HTTPDownload`, `ame`'s one HTTP client (AsyncHTTPClient, with the proxy settings
/// the jobs API uses).
enum PluginDownload {
    static let maximumSize = 512 << 20

    static func fetch(_ url: URL, to destination: URL) async throws {
        if url.isFileURL {
            try FileManager.default.copyItem(at: url, to: destination)
            return
        }
        guard url.scheme == "https" || url.scheme == "http" else {
            throw CLIError("cannot download '\(url.absoluteString)'", hint: "use an https://, http:// or file:// URL, or a local path")
        }
        do throws(HTTPDownload.Failure) {
            try await HTTPDownload.fetch(url, to: destination, maximumSize: maximumSize)
        } catch {
            throw CLIError("cannot download \(url.absoluteString): \(error.reason)", hint: "check the URL and your network connection")
        }
    }
}
