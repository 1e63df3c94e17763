/// The Python a project runs with when it pins none: one version for local runs, `ame image
/// init`'s base image and the Kubernetes default image. A project's own pin always wins:
/// `python:` in ame.yaml, then `.python-version`, then its manager's (pyproject.toml's
/// `requires-python`, Poetry's `python`, the Pipfile's `python_version`, python_env.yaml's
/// `python`); a range (`>=3.10`) takes this version when it allows it. The `ame-image`
/// plugin, which cannot import AMECore, keeps the same number (a test checks).
public enum PythonDefault {
    /// The minor release, as image tags and `python:` write it.
    public static let version = "3.12"

    /// The official image of `version`.
    public static var image: String { image(for: version) }

    /// `python:X.Y-slim` for a pin naming one minor release ("3.10", "3.10.4"); the default
    /// image for anything else (a range, nothing).
    public static func image(for pin: String?) -> String {
        guard let pin else { return "python:\(version)-slim" }
        let parts = pin.split(separator: ".")
        guard parts.count >= 2, parts.count <= 3, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isNumber) }) else {
            return "python:\(version)-slim"
        }
        return "python:\(parts[0]).\(parts[1])-slim"
    }
}
