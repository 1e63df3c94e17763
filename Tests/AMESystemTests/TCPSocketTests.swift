import AMESystem
import Foundation
import Testing

/// The socket the engine and server dial services with: loopback, any other IPv4 address
/// (the Kubernetes harness gives each Pod its own 127.0.0.N) and IPv6 (a Pod's IP may be one).
@Suite struct TCPSocketTests {
    /// Accepts one connection on `listener`, reads until the peer closes its side, and
    /// answers; on a thread of its own (blocking calls must stay off the async pool).
    func echoOnce(_ listener: TCPSocket) async throws -> String {
        try await TCPByteStream.onThread {
            guard let connection = listener.accept() else { return "" }
            var received = Data()
            while true {
                let chunk = try connection.receive()
                if chunk.isEmpty { break }
                received.append(chunk)
            }
            try connection.send(Data("echo: ".utf8) + received)
            connection.close()
            return String(decoding: received, as: UTF8.self)
        }
    }

    func roundTrip(host: String) async throws -> String {
        let listener = try TCPSocket.listen(host: host, port: 0)
        defer { listener.close() }
        let port = try listener.localPort()
        #expect(port > 0)
        async let server = echoOnce(listener)
        let stream = TCPByteStream(socket: try TCPSocket.connect(host: host, port: port))
        try await stream.write(Data("hello over \(host)".utf8))
        await stream.closeWrite()
        var answer = Data()
        while let chunk = try await stream.read() { answer.append(chunk) }
        await stream.close()
        #expect(try await server == "hello over \(host)")
        return String(decoding: answer, as: UTF8.self)
    }

    @Test("connects and exchanges bytes over IPv4 loopback, another 127/8 address, and IPv6 loopback",
          arguments: ["127.0.0.1", "127.0.0.7", "::1", "[::1]"])
    func exchangesBytes(host: String) async throws {
        #expect(try await roundTrip(host: host) == "echo: hello over \(host)")
    }

    @Test("a listener on one address is not reached through another")
    func addressesAreDistinct() throws {
        let listener = try TCPSocket.listen(host: "127.0.0.9", port: 0)
        defer { listener.close() }
        let port = try listener.localPort()
        #expect(TCPSocket.isAccepting(host: "127.0.0.9", port: port))
        #expect(!TCPSocket.isAccepting(host: "127.0.0.1", port: port))
    }

    @Test("a host that is not a numeric address is an error naming it")
    func badHost() {
        for host in ["example.com", "300.1.1.1", "::g"] {
            #expect {
                _ = try TCPSocket.connect(host: host, port: 80, timeout: 0.2)
            } throws: { error in
                "\(error)".contains(host)
            }
        }
    }
}
