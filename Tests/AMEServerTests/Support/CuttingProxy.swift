import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A TCP proxy on 127.0.0.1 that forwards to a server and, on the connections it is told to
/// cut, closes both sides after passing a given number of response bytes: a proxy or load
/// balancer dropping a long stream mid-way. Threads and plain sockets, nothing shared with
/// the code under test.
final class CuttingProxy: @unchecked Sendable {
    let port: UInt16
    private let listener: Int32
    private let upstreamPort: UInt16
    private let lock = NSLock()
    /// Response bytes to let through on each next connection before cutting it (nil: no cut).
    private var cuts: [Int?]
    private(set) var connections = 0
    private(set) var cutCount = 0
    private var stopped = false

    init(upstreamPort: UInt16, cuts: [Int?]) throws {
        self.upstreamPort = upstreamPort
        self.cuts = cuts
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
        var yes: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = Self.loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(listener, 64) == 0 else { throw POSIXError(.EADDRINUSE) }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        port = UInt16(bigEndian: actual.sin_port)
        guard listener >= 0 else { throw POSIXError(.EBADF) }
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    func stop() {
        lock.withLock { stopped = true }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    deinit { stop() }

    static func loopback(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if lock.withLock({ stopped }) { return }
                if errno == EINTR { continue }
                return
            }
            let cut: Int? = lock.withLock {
                connections += 1
                return cuts.isEmpty ? nil : cuts.removeFirst()
            }
            let upstream = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = Self.loopback(port: upstreamPort)
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(upstream, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard connected == 0 else {
                close(client)
                close(upstream)
                continue
            }
            let closer = PairCloser(client: client, upstream: upstream)
            Thread { Self.pump(from: client, to: upstream, limit: nil, closer: closer, onCut: {}) }.start()
            Thread { [self] in
                Self.pump(from: upstream, to: client, limit: cut, closer: closer, onCut: { self.lock.withLock { self.cutCount += 1 } })
            }.start()
        }
    }

    /// Closes both sockets once, abruptly (so the client sees the stream end mid-way).
    final class PairCloser: @unchecked Sendable {
        let client: Int32
        let upstream: Int32
        private let lock = NSLock()
        private var closed = false
        init(client: Int32, upstream: Int32) {
            self.client = client
            self.upstream = upstream
        }
        func closeBoth() {
            lock.withLock {
                guard !closed else { return }
                closed = true
                shutdown(client, Int32(SHUT_RDWR))
                shutdown(upstream, Int32(SHUT_RDWR))
                close(client)
                close(upstream)
            }
        }
    }

    private static func pump(from source: Int32, to target: Int32, limit: Int?, closer: PairCloser, onCut: () -> Void) {
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        var passed = 0
        while true {
            var count = buffer.withUnsafeMutableBytes { read(source, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            if let limit, passed + count >= limit {
                count = max(0, limit - passed)
                if count > 0 { _ = buffer.withUnsafeBytes { write(target, $0.baseAddress, count) } }
                onCut()
                break
            }
            var offset = 0
            while offset < count {
                let written = buffer.withUnsafeBytes { write(target, $0.baseAddress! + offset, count - offset) }
                if written <= 0 { closer.closeBoth(); return }
                offset += written
            }
            passed += count
        }
        closer.closeBoth()
    }
}
