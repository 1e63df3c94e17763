import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Fetches one `http(s)://` URL into a file with `ame`'s one HTTP client (`HTTPTransport`:
/// its proxy settings, redirects and timeouts), for downloads that are not the jobs API
/// (`ame plugin install URL`).
public enum HTTPDownload {
    public struct Failure: Error, Sendable, CustomStringConvertible {
        /// Why, in a few words ("the server answered 404 Not Found", "connection refused").
        public var reason: String
        public var description: String { reason }
    }

    /// Writes the body to `destination` (created, or replaced); refuses a body larger than
    /// `maximumSize` bytes. A failure leaves no file behind.
    public static func fetch(_ url: URL, to destination: URL, maximumSize: Int) async throws(Failure) {
        do {
            try await download(url, to: destination, maximumSize: maximumSize)
        } catch let failure as Failure {
            try? FileManager.default.removeItem(at: destination)
            throw failure
        } catch {
            try? FileManager.default.removeItem(at: destination)
            throw Failure(reason: HTTPJobsAPI.reason(error))
        }
    }

    private static func download(_ url: URL, to destination: URL, maximumSize: Int) async throws {
        let (client, _) = try HTTPTransport.client(for: url)
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = .GET
        let response = try await client.execute(request, timeout: .seconds(600))
        guard (200..<300).contains(Int(response.status.code)) else {
            throw Failure(reason: "the server answered \(response.status.code) \(response.status.reasonPhrase)")
        }
        guard FileManager.default.createFile(atPath: destination.path, contents: nil) else {
            throw Failure(reason: "cannot write \(destination.path)")
        }
        let handle = try FileHandle(forWritingTo: destination)
        defer { try? handle.close() }
        var received = 0
        for try await buffer in response.body {
            received += buffer.readableBytes
            guard received <= maximumSize else {
                throw Failure(reason: "the file is larger than \(maximumSize >> 20) MiB")
            }
            try handle.write(contentsOf: Data(buffer.readableBytesView))
        }
    }
}
