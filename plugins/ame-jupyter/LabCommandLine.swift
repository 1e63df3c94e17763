import Foundation

/// The command a notebook run executes, and the pieces that go with it.
enum LabCommandLine {
    /// The label every run of this plugin carries besides AME's own `plugin: jupyter`.
    static let kindLabel = ["jupyter.kind": "lab"]

    /// The name of the service port (the run also gets `AME_PORT_LAB`).
    static let portName = "lab"

    /// The token reaches JupyterLab in this variable, which jupyter_server reads at start;
    /// it goes into the run as secret env, never on the command line.
    static let tokenVariable = "JUPYTER_TOKEN"

    /// JupyterLab on the service port AME chose (`AME_PORT`), on the address AME says
    /// services listen on (`AME_SERVICE_HOST`: loopback for local runs), serving the run's
    /// workspace — the project's files. `--allow-root` only when the run's user is root,
    /// which JupyterLab otherwise refuses. No browser, no port retries (the port is the one
    /// AME watches), no update checks.
    static let command = [
        #"if [ "$(id -u)" = 0 ]; then set -- --allow-root; fi;"#,
        #"exec python -m jupyterlab --no-browser --ip="${AME_SERVICE_HOST:-127.0.0.1}" --port="$AME_PORT""#,
        "--ServerApp.port_retries=0 --ServerApp.root_dir=.",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        #""$@""#,
    ].joined(separator: " ")

    /// A fresh token: 24 bytes from the system's secure generator, as hex.
    static func freshToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<24).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }

    /// `http://127.0.0.1:PORT/lab?token=TOKEN`.
    static func url(port: Int, token: String?) -> String {
        "http://127.0.0.1:\(port)/lab" + (token.map { "?token=\($0)" } ?? "")
    }
}

/// Durations as `30s`, `45m`, `2h`, `1d` or plain seconds.
enum DurationText {
    static func seconds(_ text: String) -> Int? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        if let plain = Int(trimmed) { return plain > 0 ? plain : nil }
        guard let unit = trimmed.last, let value = Int(trimmed.dropLast()), value > 0 else { return nil }
        switch unit {
        case "s": return value
        case "m": return value * 60
        case "h": return value * 3600
        case "d": return value * 86_400
        default: return nil
        }
    }
}
