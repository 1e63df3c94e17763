import Foundation

/// Whether the project's own dependency files already name JupyterLab, in which case the
/// project's environment is used as it is (with the version it pins); otherwise the run asks
/// AME to add `jupyterlab` on top of it (`extraPackages`).
enum ProjectPins {
    /// The files AME builds environments from.
    static let files = ["requirements.txt", "pyproject.toml", "uv.lock", "poetry.lock", "Pipfile", "Pipfile.lock",
                        "environment.yml", "environment.yaml", "python_env.yaml"]

    static func namesJupyterLab(in directory: URL) -> Bool {
        files.contains { name in
            guard let text = try? String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8) else { return false }
            return mentions("jupyterlab", in: text)
        }
    }

    /// True when a line outside comments names `package` as a whole word: `jupyterlab`,
    /// `jupyterlab==4.2`, `"jupyterlab>=4"`, `name = "jupyterlab"`, `"jupyterlab": {`.
    static func mentions(_ package: String, in text: String) -> Bool {
        for line in text.split(whereSeparator: \.isNewline) {
            var content = Substring(line)
            if let hash = content.firstIndex(of: "#") { content = content[..<hash] }
            let words = content.split { !($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") }
            if words.contains(where: { $0.lowercased().replacingOccurrences(of: "_", with: "-") == package }) { return true }
        }
        return false
    }
}
