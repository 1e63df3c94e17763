import AMECore
import AMESystem
import AsyncHTTPClient
import Foundation
import NIOCore

/// The HTTP client every `HTTPJobsAPI` shares: AsyncHTTPClient on SwiftNIO.
///
/// Not URLSession: on Linux that is FoundationNetworking over libcurl, and loading libcurl
/// with its thirty libraries costs every `ame` process about 10 ms at start, whether it talks
/// to a server or not (measured: see CONTRIBUTING.md, "Benchmarks"). NIO is in the binary already (S3, the
/// registry client, tunnels) and loads nothing.
enum HTTPTransport {
    /// Process-wide and never shut down, like `HTTPClient.shared`, but with a pool wide
    /// enough for parallel blob uploads. Requests that go through a proxy use a client of
    /// that proxy's (`client(for:)`).
    static let client: HTTPClient = makeClient(proxy: nil)

    /// The proxy settings of this process's environment (`ProxyRules`), read once.
    static let proxyRules: Result<ProxyRules, ProxyRules.Invalid> = {
        do throws(ProxyRules.Invalid) {
            return .success(try ProxyRules.fromEnvironment(ProcessInfo.processInfo.environment))
        } catch {
            return .failure(error)
        }
    }()

    /// One client per proxy, made when first needed.
    private static let proxiedClients = Locked<[ProxyRules.Proxy: HTTPClient]>([:])

    /// The client for a request to `url`: the direct one, or one that goes through the proxy
    /// the environment names for it.
    static func client(for url: URL) throws -> (HTTPClient, ProxyRules.Proxy?) {
        let rules: ProxyRules
        do {
            rules = try HTTPTransport.proxyRules.get()
        } catch {
            throw APIError(.invalidRequest, "cannot use the proxy settings: \(error)",
                           hint: "fix or unset the variable; no_proxy lists hosts reached directly")
        }
        guard let proxy = rules.proxy(for: url) else { return (client, nil) }
        return (proxiedClient(for: proxy), proxy)
    }

    static func proxiedClient(for proxy: ProxyRules.Proxy) -> HTTPClient {
        proxiedClients.withLock { clients in
            if let client = clients[proxy] { return client }
            let setting: HTTPClient.Configuration.Proxy
            switch proxy.kind {
            case .http:
                let authorization = proxy.username.map { HTTPClient.Authorization.basic(username: $0, password: proxy.password ?? "") }
                setting = .server(host: proxy.host, port: proxy.port, authorization: authorization)
            case .socks5:
                setting = .socksServer(host: proxy.host, port: proxy.port)
            }
            let client = makeClient(proxy: setting)
            clients[proxy] = client
            return client
        }
    }

    static func makeClient(proxy: HTTPClient.Configuration.Proxy?) -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.proxy = proxy
        configuration.timeout = .init(connect: .seconds(15), read: nil)
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 64)
        // A refused connection is an answer ("is the server running?"), not a reason to retry
        // until the connect timeout; the log stream has its own reconnect loop.
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.redirectConfiguration = .follow(max: 5, allowCycles: false)
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    /// A body streamed from a file in 1 MiB chunks, never held in memory whole. The file is
    /// closed when the last chunk has been read or, if the upload stops early (cancelled, the
    /// connection lost), when the iterator is dropped.
    struct FileChunks: AsyncSequence, Sendable {
        typealias Element = ByteBuffer
        let path: String

        /// Owns the descriptor, so no path out of the upload leaves it open.
        final class OpenFile {
            let descriptor: Int32
            init(path: String) throws {
                descriptor = open(path, O_RDONLY | O_CLOEXEC)
                guard descriptor >= 0 else { throw APIError(.internal, "cannot read \(path): \(String(cString: strerror(errno)))") }
            }
            deinit { close(descriptor) }
        }

        struct AsyncIterator: AsyncIteratorProtocol {
            let path: String
            var file: OpenFile?
            var done = false

            mutating func next() async throws -> ByteBuffer? {
                if done { return nil }
                let file = try self.file ?? OpenFile(path: path)
                self.file = file
                var buffer = ByteBufferAllocator().buffer(capacity: 1 << 20)
                var failure: Int32 = 0
                let count = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 1 << 20) { raw in
                    var got: Int
                    repeat { got = read(file.descriptor, raw.baseAddress, raw.count) } while got < 0 && errno == EINTR
                    if got < 0 { failure = errno }
                    return Swift.max(got, 0)
                }
                // A read error is not the end of the file: the upload must fail, not be cut short.
                if failure != 0 { throw APIError(.internal, "cannot read \(path): \(String(cString: strerror(failure)))") }
                if count == 0 {
                    self.file = nil
                    done = true
                    return nil
                }
                return buffer
            }
        }

        func makeAsyncIterator() -> AsyncIterator { AsyncIterator(path: path) }
    }
}
