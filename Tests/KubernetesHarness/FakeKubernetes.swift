import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL

/// A stand-in for the Kubernetes API, for the calls AME makes, that behaves like the real
/// one where AME can tell: HTTPS, bearer tokens or client certificates, RBAC from a Role
/// manifest, real status codes and `Status` objects (401, 403, 404 NotFound, 409
/// AlreadyExists, 422 Invalid, 410 Expired), object shapes with server-side defaults,
/// list + watch with resource versions (chunked `ADDED`/`MODIFIED`/`DELETED` events), and
/// the log endpoint with `follow`, `timestamps` and `sinceTime`. Created Pods really run
/// (see `PodRunner`).
///
/// Faults for tests: `failNext` answers requests with an error status, `breakWatches`
/// cuts every open watch mid-stream, `compactHistory` makes old resource versions expire.
public final class FakeKubernetes: @unchecked Sendable {
    public struct Options: Sendable {
        /// Bearer tokens and the user each one is.
        public var tokens: [String: String] = [:]
        /// Serve HTTPS with these certificates; nil serves plain HTTP.
        public var pki: TestPKI?
        /// With `pki`: require a client certificate signed by its CA (and accept no tokens).
        public var requireClientCertificate = false
        /// The user a client certificate is.
        public var clientCertificateUser = "ame-client"
        /// When set, every user may do only what this Role allows.
        public var role: RBACRole?
        /// The environment every container starts from (the "image"'s: PATH and so on).
        public var nodeEnvironment: [String: String] = ProcessInfo.processInfo.environment
        public var node = FakeNode()
        /// How many changes watches can resume across.
        public var historyLimit = 10_000
        public var memorySampleInterval: Duration = .milliseconds(50)
        /// How often a container waiting in CreateContainerConfigError is retried.
        public var configRetryInterval: Duration = .seconds(1)
        /// PersistentVolumeClaims by name, each a folder of this machine (what the claim's
        /// volume holds); a Pod naming another claim fails to start, as unbound.
        public var persistentVolumeClaims: [String: URL] = [:]
        /// The fake node's root for `hostPath` volumes: `hostPath: /var/cache/ame` is
        /// `hostPathRoot/var/cache/ame` (nil: the Pod fails to start, hostPath not allowed).
        public var hostPathRoot: URL?

        public init() {}
    }

    let options: Options
    let state: ClusterState
    let scratch: URL
    var node: FakeNode { options.node }
    var nodeEnvironment: [String: String] { options.nodeEnvironment }
    var memorySampleInterval: Duration { options.memorySampleInterval }
    var configRetryInterval: Duration { options.configRetryInterval }

    private let lock = NSLock()
    private var runners: [String: PodRunner] = [:]
    private var logs: [String: ContainerLog] = [:]
    private var faults: [Fault] = []
    private var received: [Request] = []
    private var serverTask: Task<Void, any Error>?
    private var boundPort: Int?
    private var brokenWatch = 0
    private var lastPodAddress = 1
    /// Each Pod under a headless Service gets a hosts file of its own (see `hostsFile`).
    private var hostsFiles: [String: URL] = [:]

    /// A request as it arrived: for tests that check what AME sent.
    public struct Request: Sendable {
        public var method: String
        public var path: String
        public var query: [String: String]
        /// The parsed body of creates and updates.
        public var body: JSON?
    }

    struct Fault {
        var method: String?
        var pathContains: String?
        var status: Int
        var remaining: Int
    }

    public init(options: Options = Options(), scratch: URL) {
        self.options = options
        self.scratch = scratch
        self.state = ClusterState(historyLimit: options.historyLimit)
        try? FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    // MARK: Serving

    /// Starts serving on a free port of 127.0.0.1 and returns the URL.
    public func start() async throws -> URL {
        let (ready, readyContinuation) = AsyncStream<Int>.makeStream()
        let responder = CallbackResponder<BasicRequestContext> { request, _ in
            await self.respond(to: request)
        }
        let server: HTTPServerBuilder
        if let pki = options.pki {
            var tls = TLSConfiguration.makeServerConfiguration(
                certificateChain: try NIOSSLCertificate.fromPEMFile(pki.serverCertificate.path).map { .certificate($0) },
                privateKey: .privateKey(try NIOSSLPrivateKey(file: pki.serverKey.path, format: .pem)))
            if options.requireClientCertificate {
                tls.certificateVerification = .noHostnameVerification
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(pki.caCertificate.path))
            }
            server = try .tls(.http1(), tlsConfiguration: tls)
        } else {
            server = .http1()
        }
        var logger = Logger(label: "kubernetes-harness")
        logger.logLevel = .critical
        let app = Application(responder: responder, server: server,
                              configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { channel in
                                  readyContinuation.yield(channel.localAddress?.port ?? 0)
                                  readyContinuation.finish()
                              },
                              logger: logger)
        let task = Task { try await app.run() }
        var port = 0
        for await value in ready { port = value }
        lock.withLock {
            serverTask = task
            boundPort = port
        }
        return url
    }

    public var url: URL {
        let port = lock.withLock { boundPort } ?? 0
        return URL(string: "\(options.pki == nil ? "http" : "https")://127.0.0.1:\(port)")!
    }

    /// Stops serving, kills every container still running and removes the volumes.
    public func stop() async {
        let (task, runners) = lock.withLock { (serverTask, Array(self.runners.values)) }
        for runner in runners { runner.stop(.deleted(grace: 0)) }
        for runner in runners {
            await runner.finished()
            runner.cleanUp()
        }
        task?.cancel()
        _ = try? await task?.value
    }

    /// A kubeconfig for this server: with `token`, or the client certificate.
    public func kubeconfig(token: String?, namespace: String = "ame") throws -> String {
        var cluster = "    server: \(url.absoluteString)\n"
        if let pki = options.pki {
            cluster += "    certificate-authority-data: \(try Data(contentsOf: pki.caCertificate).base64EncodedString())\n"
        }
        var user = ""
        if let token {
            user = "    token: \(token)\n"
        } else if let pki = options.pki {
            user = "    client-certificate-data: \(try Data(contentsOf: pki.clientCertificate).base64EncodedString())\n"
                + "    client-key-data: \(try Data(contentsOf: pki.clientKey).base64EncodedString())\n"
        }
        return """
            apiVersion: v1
            kind: Config
            clusters:
            - name: harness
              cluster:
            \(cluster)users:
            - name: ame
              user:
            \(user.isEmpty ? "    {}\n" : user)contexts:
            - name: harness
              context:
                cluster: harness
                user: ame
                namespace: \(namespace)
            current-context: harness

            """
    }

    // MARK: For tests

    /// Answers the next `count` requests matching `method` and `pathContains` with `status`.
    public func failNext(_ count: Int, status: Int, method: String? = nil, pathContains: String? = nil) {
        lock.withLock { faults.append(Fault(method: method, pathContains: pathContains, status: status, remaining: count)) }
    }

    /// Cuts every open watch mid-stream, as a dropped connection would; returns how many.
    @discardableResult
    public func breakWatches() -> Int {
        lock.withLock { brokenWatch += 1 }
        return state.endAllWatches()
    }

    /// Forgets the change history, so resuming a watch from an older version gets 410.
    public func compactHistory() {
        state.compactHistory()
    }

    public var requests: [Request] { lock.withLock { received } }

    /// The Pods as AME sent them (before defaults), by name.
    public var createdPods: [JSON] {
        requests.filter { $0.method == "POST" && $0.path.hasSuffix("/pods") }.compactMap(\.body)
    }

    public func pod(_ namespace: String, _ name: String) -> JSON? {
        state.get(.pods, namespace: namespace, name: name)
    }

    public func pods(_ namespace: String) -> [JSON] {
        state.list(.pods, namespace: namespace, selector: LabelSelector(nil)!).items
    }

    public func services(_ namespace: String) -> [JSON] {
        state.list(.services, namespace: namespace, selector: LabelSelector(nil)!).items
    }

    public func networkPolicies(_ namespace: String) -> [JSON] {
        state.list(.networkpolicies, namespace: namespace, selector: LabelSelector(nil)!).items
    }

    public func secrets(_ namespace: String) -> [JSON] {
        state.list(.secrets, namespace: namespace, selector: LabelSelector(nil)!).items
    }

    /// Removes a Secret behind AME's back.
    public func removeSecret(_ namespace: String, _ name: String) {
        state.remove(.secrets, namespace: namespace, name: name)
    }

    public var openWatches: Int { state.openWatches }

    func log(_ namespace: String, _ pod: String, _ container: String) -> ContainerLog {
        lock.withLock {
            let key = "\(namespace)/\(pod)/\(container)"
            if let log = logs[key] { return log }
            let log = ContainerLog()
            logs[key] = log
            return log
        }
    }

    func existingLog(_ namespace: String, _ pod: String, _ container: String) -> ContainerLog? {
        lock.withLock { logs["\(namespace)/\(pod)/\(container)"] }
    }

    /// A Pod's own IP: 127.0.0.2 to 127.0.0.254 in turn. All of 127/8 is this machine's
    /// loopback, so a Pod that listens on its IP (`status.podIP` through the downward API)
    /// is reached only by whoever dials that IP, as with a real Pod network.
    func allocatePodAddress() -> String {
        lock.withLock {
            lastPodAddress = lastPodAddress >= 254 ? 2 : lastPodAddress + 1
            return "127.0.0.\(lastPodAddress)"
        }
    }

    /// The cluster's DNS for a Pod with a `hostname` and `subdomain`, as far as AME relies
    /// on it: the Pod's own hosts file, bind-mounted at `/etc/hosts` in its containers, which
    /// names `HOSTNAME.SUBDOMAIN` (and the full `….NAMESPACE.svc.cluster.local`) of every Pod
    /// of the namespace that has an address and is under a headless Service of that name.
    /// Kept up to date as Pods get addresses and Services come and go (rewritten in place,
    /// so the mounts see it), as DNS records appear once a Pod has its IP.
    func hostsFile(_ namespace: String, _ pod: String) -> URL {
        let file = lock.withLock { () -> URL in
            let key = "\(namespace)/\(pod)"
            if let file = hostsFiles[key] { return file }
            let file = scratch.appendingPathComponent("hosts-\(namespace)-\(pod)-\(UUID().uuidString.prefix(6))")
            hostsFiles[key] = file
            return file
        }
        refreshHosts(namespace)
        return file
    }

    func refreshHosts(_ namespace: String) {
        let files = lock.withLock { hostsFiles.filter { $0.key.hasPrefix(namespace + "/") }.map(\.value) }
        guard !files.isEmpty else { return }
        let services = Set(state.list(.services, namespace: namespace, selector: LabelSelector(nil)!).items.compactMap { $0["metadata"]["name"].string })
        var text = (try? String(contentsOfFile: "/etc/hosts", encoding: .utf8)) ?? "127.0.0.1 localhost\n"
        if !text.hasSuffix("\n") { text += "\n" }
        for pod in state.list(.pods, namespace: namespace, selector: LabelSelector(nil)!).items {
            guard let hostname = pod["spec"]["hostname"].string, let subdomain = pod["spec"]["subdomain"].string,
                  services.contains(subdomain), let address = pod["status"]["podIP"].string else { continue }
            text += "\(address)\t\(hostname).\(subdomain).\(namespace).svc.cluster.local \(hostname).\(subdomain)\n"
        }
        for file in files {
            if !FileManager.default.fileExists(atPath: file.path) { FileManager.default.createFile(atPath: file.path, contents: nil) }
            guard let handle = FileHandle(forWritingAtPath: file.path) else { continue }
            try? handle.truncate(atOffset: 0)
            try? handle.write(contentsOf: Data(text.utf8))
            try? handle.close()
        }
    }

    func runner(_ namespace: String, _ name: String) -> PodRunner? {
        lock.withLock { runners["\(namespace)/\(name)"] }
    }

    func addRunner(_ runner: PodRunner) {
        lock.withLock { runners["\(runner.namespace)/\(runner.name)"] = runner }
    }

    func removeRunner(_ namespace: String, _ name: String) {
        let hosts = lock.withLock { () -> URL? in
            runners["\(namespace)/\(name)"] = nil
            for key in logs.keys where key.hasPrefix("\(namespace)/\(name)/") { logs[key] = nil }
            return hostsFiles.removeValue(forKey: "\(namespace)/\(name)")
        }
        if let hosts { try? FileManager.default.removeItem(at: hosts) }
    }

    var watchBreaks: Int { lock.withLock { brokenWatch } }

    func record(_ request: Request) -> Int? {
        lock.withLock {
            received.append(request)
            for index in faults.indices where faults[index].remaining > 0 {
                let fault = faults[index]
                if let method = fault.method, method != request.method { continue }
                if let part = fault.pathContains, !request.path.contains(part) { continue }
                faults[index].remaining -= 1
                return fault.status
            }
            return nil
        }
    }

    // MARK: Time

    static func timestamp(_ date: Date = Date()) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}
