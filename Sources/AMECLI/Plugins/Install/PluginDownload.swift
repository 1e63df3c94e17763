import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Fetches a plugin archive from an `http(s)://` or `file://` URL into a file.
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
        let (data, response): (Data, URLResponse?) = try await withCheckedThrowingContinuation { continuation in
            let task = URLSession.shared.dataTask(with: url) { data, response, error in
                if let error {
                    continuation.resume(throwing: CLIError("cannot download \(url.absoluteString): \(error.localizedDescription)",
                                                           hint: "check the URL and your network connection"))
                } else {
                    continuation.resume(returning: (data ?? Data(), response))
                }
            }
            task.resume()
        }
        if let http = response as? HTTPURLResponse, !(200...299).contains(http.statusCode) {
            throw CLIError("downloading \(url.absoluteString) failed with HTTP status \(http.statusCode)", hint: "check the URL")
        }
        guard data.count <= maximumSize else {
            throw CLIError("\(url.absoluteString) is larger than \(maximumSize >> 20) MiB", hint: "plugin archives are expected to be small")
        }
        try data.write(to: destination)
    }
}
