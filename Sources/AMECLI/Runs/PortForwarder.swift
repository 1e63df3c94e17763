import AMECore
import AMESystem
import Foundation

/// Listens on a local loopback port and carries each connection to a run's service port
/// through the jobs API (directly on the embedded engine, tunnelled through the server for
/// remote runs). Several connections at once; bytes pass unchanged both ways.
final class PortForwarder: @unchecked Sendable {
    let api: any JobsAPI
    let runID: String
    let remotePort: Int
    let listener: TCPSocket
    private let acceptTask = Locked<Task<Void, Never>?>(nil)

    init(api: any JobsAPI, runID: String, remotePort: Int, localPort: Int) throws {
        self.api = api
        self.runID = runID
        self.remotePort = remotePort
        do {
            listener = try TCPSocket.listen(host: "127.0.0.1", port: localPort)
        } catch {
            throw CLIError("cannot listen on 127.0.0.1:\(localPort): \(error)",
                           hint: localPort == 0 ? nil : "choose another --local-port, or leave it out to get a free one")
        }
    }

    var localPort: Int { (try? listener.localPort()) ?? 0 }

    /// Accepts connections until `stop()`.
    func start() {
        let listener = self.listener
        let api = self.api, runID = self.runID, remotePort = self.remotePort
        let task = Task.detached {
            while !Task.isCancelled {
                guard let client = await Self.accept(listener) else { return }
                Task.detached {
                    await Self.carry(client: client, api: api, runID: runID, port: remotePort)
                }
            }
        }
        acceptTask.set(task)
    }

    func stop() {
        acceptTask.value?.cancel()
        listener.close()
    }

    private static func accept(_ listener: TCPSocket) async -> TCPSocket? {
        (try? await TCPByteStream.onThread { listener.accept() }) ?? nil
    }

    private static func carry(client: TCPSocket, api: any JobsAPI, runID: String, port: Int) async {
        let local = TCPByteStream(socket: client)
        let remote: any ByteStream
        do {
            remote = try await api.openTunnel(runID, port: port)
        } catch {
            await local.close()
            return
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                while let data = try? await local.read() {
                    do { try await remote.write(data) } catch { break }
                }
                await remote.closeWrite()
            }
            group.addTask {
                while let data = try? await remote.read() {
                    do { try await local.write(data) } catch { break }
                }
                await local.closeWrite()
            }
        }
        await remote.close()
        await local.close()
    }
}
