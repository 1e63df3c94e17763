import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The test's own client of MLflow's REST API: what the tests assert comes from MLflow,
/// not from anything AME says about it.
struct MLflowREST {
    let baseURL: String

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    func call(_ method: String, _ path: String, body: [String: Any]? = nil) async throws -> [String: Any] {
        guard let url = URL(string: baseURL + "/api/2.0/" + path) else { throw Failure(description: "bad path \(path)") }
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.timeoutInterval = 30
        if let body {
            request.httpBody = try JSONSerialization.data(withJSONObject: body)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard status == 200 else {
            throw Failure(description: "\(method) \(path): \(status) \(String(decoding: data, as: UTF8.self))")
        }
        return (try JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
    }

    func experimentID(_ name: String) async throws -> String? {
        let encoded = name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? name
        do {
            let answer = try await call("GET", "mlflow/experiments/get-by-name?experiment_name=\(encoded)")
            return (answer["experiment"] as? [String: Any])?["experiment_id"] as? String
        } catch let failure as Failure where failure.description.contains("RESOURCE_DOES_NOT_EXIST") {
            return nil
        }
    }

    /// Every run of the experiment, as the REST API returns them.
    func runs(experimentID: String) async throws -> [[String: Any]] {
        let answer = try await call("POST", "mlflow/runs/search", body: ["experiment_ids": [experimentID], "max_results": 1000])
        return answer["runs"] as? [[String: Any]] ?? []
    }

    func artifacts(runID: String) async throws -> [String] {
        let answer = try await call("GET", "mlflow/artifacts/list?run_id=\(runID)")
        return (answer["files"] as? [[String: Any]] ?? []).compactMap { $0["path"] as? String }
    }

    /// A page's text (the UI), failing unless it answers 200.
    static func fetch(_ address: String) async throws -> String {
        guard let url = URL(string: address) else { throw Failure(description: "bad URL \(address)") }
        var request = URLRequest(url: url)
        request.timeoutInterval = 30
        let (data, response) = try await URLSession.shared.data(for: request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard status == 200 else { throw Failure(description: "GET \(address): \(status)") }
        return String(decoding: data, as: UTF8.self)
    }

    func isAnswering() async -> Bool {
        guard let url = URL(string: baseURL + "/health") else { return false }
        var request = URLRequest(url: url)
        request.timeoutInterval = 5
        guard let (_, response) = try? await URLSession.shared.data(for: request) else { return false }
        return (response as? HTTPURLResponse)?.statusCode == 200
    }
}

/// One run as MLflow's REST API describes it.
struct MLflowRun {
    let json: [String: Any]

    var info: [String: Any] { json["info"] as? [String: Any] ?? [:] }
    var id: String { info["run_id"] as? String ?? "" }
    var status: String { info["status"] as? String ?? "" }
    var endTime: Int64? { (info["end_time"] as? NSNumber)?.int64Value }
    var tags: [String: String] { pairs("tags").compactMapValues { $0 as? String } }
    var params: [String: String] { pairs("params").compactMapValues { $0 as? String } }
    var metrics: [String: Double] { pairs("metrics").compactMapValues { ($0 as? NSNumber)?.doubleValue } }

    private func pairs(_ kind: String) -> [String: Any] {
        let list = (json["data"] as? [String: Any])?[kind] as? [[String: Any]] ?? []
        var result: [String: Any] = [:]
        for item in list {
            if let key = item["key"] as? String, let value = item["value"] { result[key] = value }
        }
        return result
    }
}
