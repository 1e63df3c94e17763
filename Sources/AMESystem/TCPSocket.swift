import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A blocking TCP socket on loopback or any IPv4 or IPv6 address (a Pod's IP may be either).
/// Blocking calls run on threads of their own (see `TCPByteStream`), never on the async pool.
public final class TCPSocket: @unchecked Sendable {
    public let descriptor: Int32
    private let lock = NSLock()
    private var closed = false

    public struct SocketError: Error, Sendable, CustomStringConvertible {
        public var operation: String
        public var errorNumber: Int32
        public var description: String { "\(operation): \(String(cString: strerror(errorNumber)))" }
    }

    init(descriptor: Int32) {
        self.descriptor = descriptor
        var one: Int32 = 1
        setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    /// A listening socket on `host:port` (port 0 picks a free one; see `localPort`).
    public static func listen(host: String = "127.0.0.1", port: Int, backlog: Int32 = 64) throws -> TCPSocket {
        let address = try Address(host: host, port: port)
        let descriptor = socket(address.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw SocketError(operation: "socket", errorNumber: errno) }
        var one: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        let bound = address.withSockaddr { bind(descriptor, $0, $1) }
        guard bound == 0 else {
            let error = errno
            Glibc.close(descriptor)
            throw SocketError(operation: "bind \(host):\(port)", errorNumber: error)
        }
        guard Glibc.listen(descriptor, backlog) == 0 else {
            let error = errno
            Glibc.close(descriptor)
            throw SocketError(operation: "listen", errorNumber: error)
        }
        return TCPSocket(descriptor: descriptor)
    }

    /// Connects to `host:port`, waiting at most `timeout` seconds.
    public static func connect(host: String, port: Int, timeout: Double = 5) throws -> TCPSocket {
        let address = try Address(host: host, port: port)
        let descriptor = socket(address.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard descriptor >= 0 else { throw SocketError(operation: "socket", errorNumber: errno) }
        let result = address.withSockaddr { Glibc.connect(descriptor, $0, $1) }
        if result != 0 && errno != EINPROGRESS {
            let error = errno
            Glibc.close(descriptor)
            throw SocketError(operation: "connect to \(host):\(port)", errorNumber: error)
        }
        if result != 0 {
            var poller = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
            let ready = poll(&poller, 1, Int32(timeout * 1000))
            var socketError: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &socketError, &length)
            if ready <= 0 || socketError != 0 {
                Glibc.close(descriptor)
                throw SocketError(operation: "connect to \(host):\(port)", errorNumber: ready <= 0 ? ETIMEDOUT : socketError)
            }
        }
        // Back to blocking mode for the reader and writer threads.
        let flags = fcntl(descriptor, F_GETFL)
        _ = fcntl(descriptor, F_SETFL, flags & ~O_NONBLOCK)
        return TCPSocket(descriptor: descriptor)
    }

    /// Whether something accepts connections on `host:port` now.
    public static func isAccepting(host: String = "127.0.0.1", port: Int) -> Bool {
        guard let socket = try? connect(host: host, port: port, timeout: 0.5) else { return false }
        socket.close()
        return true
    }

    /// A port that was free a moment ago (the kernel's choice for port 0).
    public static func freePort(host: String = "127.0.0.1") throws -> Int {
        let listener = try listen(host: host, port: 0)
        defer { listener.close() }
        return try listener.localPort()
    }

    public func localPort() throws -> Int {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard result == 0 else { throw SocketError(operation: "getsockname", errorNumber: errno) }
        // The port sits at the same place in sockaddr_in and sockaddr_in6.
        let port = withUnsafeBytes(of: &storage) { $0.load(fromByteOffset: 2, as: UInt16.self) }
        return Int(UInt16(bigEndian: port))
    }

    /// Blocks until a connection arrives; nil once the listener is closed.
    public func accept() -> TCPSocket? {
        while true {
            let client = Glibc.accept(descriptor, nil, nil)
            if client >= 0 {
                _ = fcntl(client, F_SETFD, FD_CLOEXEC)
                return TCPSocket(descriptor: client)
            }
            if errno == EINTR || errno == ECONNABORTED { continue }
            return nil
        }
    }

    /// Blocks for up to 64 KiB; empty at end of stream.
    public func receive() throws -> Data {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, 65536, 0) }
            if count >= 0 { return Data(buffer[0..<count]) }
            if errno == EINTR { continue }
            throw SocketError(operation: "receive", errorNumber: errno)
        }
    }

    public func send(_ data: Data) throws {
        try data.withUnsafeBytes { buffer in
            guard var pointer = buffer.baseAddress else { return }
            var remaining = buffer.count
            while remaining > 0 {
                let sent = Glibc.send(descriptor, pointer, remaining, Int32(MSG_NOSIGNAL))
                if sent < 0 {
                    if errno == EINTR { continue }
                    throw SocketError(operation: "send", errorNumber: errno)
                }
                remaining -= sent
                pointer += sent
            }
        }
    }

    public func shutdownWrite() {
        _ = Glibc.shutdown(descriptor, Int32(SHUT_WR))
    }

    public func close() {
        lock.lock()
        defer { lock.unlock() }
        guard !closed else { return }
        closed = true
        _ = Glibc.shutdown(descriptor, Int32(SHUT_RDWR))
        Glibc.close(descriptor)
    }

    deinit { close() }

    /// A numeric IPv4 or IPv6 address (`localhost` is 127.0.0.1; `[::1]` may keep its brackets).
    struct Address {
        var storage = sockaddr_storage()
        var length: socklen_t
        var family: Int32

        init(host: String, port: Int) throws {
            var resolved = host == "localhost" ? "127.0.0.1" : host
            if resolved.hasPrefix("["), resolved.hasSuffix("]") { resolved = String(resolved.dropFirst().dropLast()) }
            let networkPort = in_port_t(UInt16(clamping: port)).bigEndian
            // sin_port and sin6_port sit at the same place; only the address part differs.
            family = resolved.contains(":") ? AF_INET6 : AF_INET
            length = socklen_t(family == AF_INET6 ? MemoryLayout<sockaddr_in6>.size : MemoryLayout<sockaddr_in>.size)
            var address6 = sockaddr_in6()
            address6.sin6_family = sa_family_t(family)
            address6.sin6_port = networkPort
            let parsed: Int32 = family == AF_INET6
                ? inet_pton(AF_INET6, resolved, &address6.sin6_addr)
                : withUnsafeMutablePointer(to: &address6) {
                    $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { inet_pton(AF_INET, resolved, &$0.pointee.sin_addr) }
                }
            guard parsed == 1 else { throw SocketError(operation: "address \(host)", errorNumber: EINVAL) }
            withUnsafeMutableBytes(of: &storage) { target in withUnsafeBytes(of: address6) { target.copyMemory(from: $0) } }
        }

        func withSockaddr<T>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T {
            var storage = self.storage
            return withUnsafePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, length) } }
        }
    }
}

/// A `TCPSocket` as an async byte stream; each blocking call runs on a thread of its own.
public final class TCPByteStream: @unchecked Sendable {
    public let socket: TCPSocket

    public init(socket: TCPSocket) {
        self.socket = socket
    }

    /// Runs a blocking call (a connect, a read) on a thread of its own, off the async pool,
    /// with a small stack: socket calls only wait.
    public static func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await BlockingWork.run(stackSize: 128 * 1024, body)
    }

    public func read() async throws -> Data? {
        let socket = self.socket
        let data = try await Self.onThread { try socket.receive() }
        return data.isEmpty ? nil : data
    }

    public func write(_ data: Data) async throws {
        let socket = self.socket
        try await Self.onThread { try socket.send(data) }
    }

    public func closeWrite() async { socket.shutdownWrite() }
    public func close() async { socket.close() }
}
