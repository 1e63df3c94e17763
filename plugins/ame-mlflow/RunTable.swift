import AMEPluginKit
import Foundation

/// `ame mlflow runs` as text: one line per run, metrics last.
enum RunTable {
    static func render(_ runs: [JSONValue]) -> String {
        var rows = [["MLFLOW RUN", "AME RUN", "TASK", "STATUS", "STARTED", "METRICS"]]
        for run in runs {
            let info = run["info"]
            let tags = pairs(run["data"]?["tags"])
            let metrics = pairs(run["data"]?["metrics"]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            rows.append([
                info?["run_id"]?.stringValue ?? "?",
                tags["ame.run_id"] ?? "-",
                tags["mlflow.runName"] ?? tags["ame.task"] ?? "-",
                info?["status"]?.stringValue ?? "?",
                info?["start_time"]?.integerValue.map(format) ?? "-",
                metrics.isEmpty ? "-" : metrics.joined(separator: " "),
            ])
        }
        let widths = (0..<5).map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            (0..<5).map { row[$0].padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  ") + "  " + row[5]
        }.joined(separator: "\n")
    }

    /// MLflow lists tags, params and metrics as `[{key, value}]`.
    static func pairs(_ list: JSONValue?) -> [String: String] {
        guard case .array(let items)? = list else { return [:] }
        var result: [String: String] = [:]
        for item in items {
            guard let key = item["key"]?.stringValue, let value = item["value"] else { continue }
            switch value {
            case .string(let text): result[key] = text
            case .integer(let number): result[key] = String(number)
            case .number(let number): result[key] = String(format: "%.4g", number)
            default: result[key] = "\(value)"
            }
        }
        return result
    }

    static func format(_ milliseconds: Int64) -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        formatter.locale = Locale(identifier: "en_US_POSIX")
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(milliseconds) / 1000))
    }
}
