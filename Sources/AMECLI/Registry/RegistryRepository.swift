import AMECore
import Foundation

/// An image reference as a registry's HTTP API addresses it: which host to ask, the
/// repository path within it, and the tag or digest.
public struct RegistryRepository: Hashable, Sendable, CustomStringConvertible {
    /// The registry as users and auth files name it (`ghcr.io`, `127.0.0.1:5000`, `docker.io`).
    public var registry: String
    /// The host (and port) the API lives on (`registry-1.docker.io` for Docker Hub).
    public var apiHost: String
    /// `team/name`; Docker Hub's official images get `library/`.
    public var path: String
    /// A tag or a digest; `latest` when the reference names neither.
    public var reference: String

    public static let dockerHub = "docker.io"

    public init(_ image: ImageReference) {
        let domain = image.domain
        if domain == nil || domain == Self.dockerHub || domain == "index.docker.io" || domain == "registry-1.docker.io" {
            registry = Self.dockerHub
            apiHost = "registry-1.docker.io"
            path = image.path.contains("/") ? image.path : "library/\(image.path)"
        } else {
            registry = domain ?? Self.dockerHub
            apiHost = registry
            path = image.path
        }
        reference = image.digest ?? image.tag ?? "latest"
    }

    /// Parses `text` as an image reference (a bare `host/name` repository is one too).
    public init(parsing text: String) throws(ImageReference.ParseError) {
        self.init(try ImageReference(parsing: text))
    }

    public var description: String { "\(registry)/\(path):\(reference)" }

    /// Loopback registries are reached over plain HTTP when they do not speak TLS, as
    /// podman and docker do for `localhost`.
    public var isLoopback: Bool { Self.isLoopback(registry) }

    public static func isLoopback(_ registry: String) -> Bool {
        var host = registry
        if host.hasPrefix("["), let close = host.firstIndex(of: "]") {
            host = String(host[host.index(after: host.startIndex)..<close])
        } else if let colon = host.lastIndex(of: ":"), host.filter({ $0 == ":" }).count == 1 {
            host = String(host[..<colon])
        }
        return host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    /// True when `registry` may be reached without verified TLS: a loopback registry, one
    /// listed in `AME_INSECURE_REGISTRIES` (comma-separated), or any when `force` is set.
    public static func allowsInsecure(_ registry: String, environment: [String: String], force: Bool = false) -> Bool {
        if force || isLoopback(registry) { return true }
        let listed = (environment["AME_INSECURE_REGISTRIES"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        return listed.contains(registry)
    }
}
