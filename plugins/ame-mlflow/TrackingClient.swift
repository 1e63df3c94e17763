import AMEPluginKit
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// MLflow's REST API (`/api/2.0/mlflow/…`), reached through a tunnel AME opened.
///
/// Over URLSession, not `ame`'s AsyncHTTPClient: a plugin depends on AMEPluginKit alone,
/// never on AME's internals or their packages, and this plugin makes a few small requests
/// to a loopback tunnel, so what FoundationNetworking costs at start is its own and small.
struct TrackingClient: Sendable {
    let baseURL: String

    struct Failure: Error, CustomStringConvertible {
        var status: Int
        var errorCode: String?
        var message: String
        var description: String { "MLflow answered \(status)\(errorCode.map { " \($0)" } ?? ""): \(message)" }
    }

    func get(_ path: String, query: [String: String] = [:]) async throws -> JSONValue {
        var components = URLComponents(string: baseURL + "/api/2.0/mlflow/" + path)
        if !query.isEmpty { components?.queryItems = query.sorted { $0.key < $1.key }.map { URLQueryItem(name: $0.key, value: $0.value) } }
        guard let url = components?.url else { throw Failure(status: 0, message: "bad URL for \(path)") }
        return try await send(URLRequest(url: url))
    }

    func post(_ path: String, _ body: JSONValue) async throws -> JSONValue {
        guard let url = URL(string: baseURL + "/api/2.0/mlflow/" + path) else { throw Failure(status: 0, message: "bad URL for \(path)") }
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data(JSONWriter.write(body))
        return try await send(request)
    }

    private func send(_ original: URLRequest) async throws -> JSONValue {
        var request = original
        request.timeoutInterval = 30
        let (data, response) = try await URLSession.shared.data(for: request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        let value = data.isEmpty ? JSONValue.object([:]) : (try? JSONParser.parse(Data(data))) ?? .string(String(decoding: data, as: UTF8.self))
        guard (200..<300).contains(status) else {
            throw Failure(status: status, errorCode: value["error_code"]?.stringValue,
                          message: value["message"]?.stringValue ?? String(decoding: data.prefix(300), as: UTF8.self))
        }
        return value
    }

    /// True once `/health` answers 200.
    func isHealthy() async -> Bool {
        guard let url = URL(string: baseURL + "/health") else { return false }
        var request = URLRequest(url: url)
        request.timeoutInterval = 5
        guard let (_, response) = try? await URLSession.shared.data(for: request) else { return false }
        return (response as? HTTPURLResponse)?.statusCode == 200
    }

    /// The experiment's id, or nil when there is none of that name.
    func experimentID(named name: String) async throws -> String? {
        do {
            return try await get("experiments/get-by-name", query: ["experiment_name": name])["experiment"]?["experiment_id"]?.stringValue
        } catch let failure as Failure where failure.status == 404 {
            return nil
        }
    }

    func createExperiment(named name: String) async throws -> String {
        if let id = try await experimentID(named: name) { return id }
        let created = try await post("experiments/create", .object(["name": .string(name)]))
        guard let id = created["experiment_id"]?.stringValue else { throw Failure(status: 200, message: "no experiment_id in \(created)") }
        return id
    }

    /// Every run of the experiment (newest first), optionally of one AME task.
    func searchRuns(experimentID: String, task: String?, limit: Int) async throws -> [JSONValue] {
        var runs: [JSONValue] = []
        var token: String?
        repeat {
            var body: [String: JSONValue] = [
                "experiment_ids": .array([.string(experimentID)]),
                "max_results": .integer(Int64(min(1000, limit - runs.count))),
                "order_by": .array([.string("attributes.start_time DESC")]),
            ]
            if let task {
                body["filter"] = .string("tags.`ame.task` = '\(task.replacingOccurrences(of: "'", with: "\\'"))'")
            }
            if let token { body["page_token"] = .string(token) }
            let page = try await post("runs/search", .object(body))
            if case .array(let list)? = page["runs"] { runs += list }
            token = page["next_page_token"]?.stringValue
        } while token != nil && runs.count < limit
        return runs
    }
}
