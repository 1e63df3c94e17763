import AMEClient
import AMECore
import AMESystem
import AMETestSupport
import Foundation
import Testing

/// Port tunnels through a live server (`HTTPJobsAPI.openTunnel`, a WebSocket per
/// connection): bytes pass unchanged both ways, several connections at once, a half close
/// reaches the service, and refusals say why.
@Suite(.timeLimit(.minutes(5)))
struct TunnelTests {
    /// Echoes what it receives; after the client's half close it answers `END <bytes>` and closes.
    static let echoServer = """
        import socket, sys, threading
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", int(sys.argv[1])))
        server.listen(16)
        def serve(connection):
            total = 0
            while True:
                data = connection.recv(65536)
                if not data:
                    break
                total += len(data)
                connection.sendall(data)
            connection.sendall(b"END %d" % total)
            connection.close()
        while True:
            connection, _ = server.accept()
            threading.Thread(target=serve, args=(connection,), daemon=True).start()
        """

    func startEcho(_ fixture: ServerFixture, api: HTTPJobsAPI, port: Int) async throws -> RunRecord {
        let manifest = try fixture.project([
            "ame.yaml": """
                projectname: tunnels
                tasks:
                  echo:
                    runcommand: exec python3 echo.py \(port)
                    dependencies: none
                    ports: [\(port)]
                """,
            "echo.py": Self.echoServer,
        ])
        let submitted = try await api.submitRun(RunRequest(task: "echo", manifest: manifest))
        let deadline = ContinuousClock.now + .seconds(120)
        var run = submitted
        while run.status != .running && !run.status.isTerminal && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
            run = try await api.getRun(submitted.id)
        }
        try #require(run.status == .running, "the echo service did not start: \(run.status) \(run.reason ?? "")")
        return run
    }

    static func randomBytes(_ count: Int, seed: UInt64) -> Data {
        var generator = SplitMix64(seed: seed)
        var data = Data(count: count)
        data.withUnsafeMutableBytes { raw in
            for index in raw.indices { raw[index] = UInt8(truncatingIfNeeded: generator.next()) }
        }
        return data
    }

    /// Sends `payload` in pieces, half-closes, and reads everything that comes back.
    static func roundTrip(_ stream: any ByteStream, _ payload: Data) async throws -> Data {
        async let received: Data = {
            var all = Data()
            while let chunk = try await stream.read() { all.append(chunk) }
            return all
        }()
        var offset = 0
        while offset < payload.count {
            let end = min(payload.count, offset + 70_000)
            try await stream.write(payload.subdata(in: offset..<end))
            offset = end
        }
        await stream.closeWrite()
        let result = try await received
        await stream.close()
        return result
    }

    @Test func bytesPassUnchangedOverSeveralConnectionsAtOnce() async throws {
        let fixture = try ServerFixture()
        try await fixture.live { url in
            let api = fixture.client(url, token: fixture.aliceToken)
            let port = try TCPSocket.freePort()
            let run = try await startEcho(fixture, api: api, port: port)

            let sizes = [3 << 20, 1, 100_000]
            try await withThrowingTaskGroup(of: (Int, Data, Data).self) { group in
                for (index, size) in sizes.enumerated() {
                    group.addTask {
                        let payload = Self.randomBytes(size, seed: UInt64(index + 1))
                        let stream = try await api.openTunnel(run.id, port: port)
                        return (size, payload, try await Self.roundTrip(stream, payload))
                    }
                }
                for try await (size, payload, received) in group {
                    let trailer = Data("END \(size)".utf8)
                    #expect(received.count == payload.count + trailer.count, "\(size) bytes: got \(received.count) back")
                    #expect(received.prefix(payload.count) == payload, "\(size) bytes came back changed")
                    #expect(received.suffix(trailer.count) == trailer, "the service did not see the half close after \(size) bytes")
                }
            }
            _ = try await api.cancelRun(run.id)
        }
    }

    @Test func refusalsSayWhy() async throws {
        let fixture = try ServerFixture()
        try await fixture.live { url in
            let alice = fixture.client(url, token: fixture.aliceToken)
            let port = try TCPSocket.freePort()
            let run = try await startEcho(fixture, api: alice, port: port)

            await #expect { _ = try await alice.openTunnel(run.id, port: port + 1) } throws: { error in
                guard let error = error as? APIError else { return false }
                return error.code == .notFound && error.message.contains("has no port \(port + 1)") && error.hint?.contains("\(port)") == true
            }
            // Another user's run is not there for bob.
            let bob = fixture.client(url, token: fixture.bobToken)
            await #expect { _ = try await bob.openTunnel(run.id, port: port) } throws: { error in
                (error as? APIError)?.code == .notFound
            }
            let stranger = fixture.client(url, token: "ame_wrong")
            await #expect { _ = try await stranger.openTunnel(run.id, port: port) } throws: { error in
                (error as? APIError)?.code == .unauthorized
            }

            _ = try await alice.cancelRun(run.id)
            var ended = try await alice.getRun(run.id)
            let deadline = ContinuousClock.now + .seconds(60)
            while !ended.status.isTerminal && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
                ended = try await alice.getRun(run.id)
            }
            await #expect { _ = try await alice.openTunnel(run.id, port: port) } throws: { error in
                guard let error = error as? APIError else { return false }
                return error.code == .conflict && error.message.contains("has ended")
            }
        }
    }

    /// A plain GET says why a handshake would be refused (an unknown run here), as JSON.
    @Test func aPlainGetSaysWhyAHandshakeWouldBeRefused() async throws {
        let fixture = try ServerFixture()
        try await fixture.test(.router) { client in
            let response = try await client.send(.get, "/v1/runs/r-0000/ports/8888/tunnel", token: fixture.aliceToken)
            #expect(response.status == .notFound, "\(response.status) \(response.text)")
            #expect(response.errorCode == "not_found")
            let badPort = try await client.send(.get, "/v1/runs/r-0000/ports/99999/tunnel", token: fixture.aliceToken)
            #expect(badPort.status == .badRequest)
            #expect(badPort.text.contains("not a port number"))
        }
    }
}
