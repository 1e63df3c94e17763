import AMEPluginKit
import Foundation

/// What the image commands need to know of the project: its name and folder (from AME's
/// `project.get`), its tasks' images, and how its Python dependencies are declared.
struct ProjectSnapshot: Sendable {
    var name: String
    var directory: URL
    /// Each task and pipeline step with the image it names itself (nil: none).
    var images: [(task: String, step: String?, image: String?)]
    /// `python:` of the first task or step that sets it.
    var python: String?
    /// `dependencies:` of the first task or step that sets it to something other than `auto`.
    var dependencies: String?

    static func load(_ host: AMEHost) async throws -> ProjectSnapshot {
        let document = try await host.project()
        guard let name = document["projectName"]?.stringValue, let directory = document["directory"]?.stringValue else {
            throw PluginFailure("AME answered project.get without the project's name and folder")
        }
        var snapshot = ProjectSnapshot(name: name, directory: URL(fileURLWithPath: directory), images: [])
        if case .array(let tasks)? = document["tasks"] {
            for task in tasks {
                guard let taskName = task["name"]?.stringValue else { continue }
                snapshot.note(task, task: taskName, step: nil)
                if case .array(let steps)? = task["pipeline"] {
                    for step in steps {
                        snapshot.note(step, task: taskName, step: step["name"]?.stringValue)
                    }
                }
            }
        }
        return snapshot
    }

    private mutating func note(_ spec: JSONValue, task: String, step: String?) {
        images.append((task, step, spec["image"]?.stringValue))
        if python == nil { python = spec["python"]?.stringValue }
        if dependencies == nil, let manager = spec["dependencies"]?.stringValue, manager != "auto" { dependencies = manager }
    }

    /// `train` or `main/fit`, as `ame image ls` shows who uses a tag.
    func users(of image: String) -> [String] {
        images.filter { $0.image == image }.map { use in use.step.map { "\(use.task)/\($0)" } ?? use.task }
    }

    // MARK: Files

    func exists(_ name: String) -> Bool {
        FileManager.default.fileExists(atPath: directory.appendingPathComponent(name).path)
    }

    func text(_ name: String) -> String? {
        guard let data = FileManager.default.contents(atPath: directory.appendingPathComponent(name).path) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }
}

/// How the project's Python dependencies are installed into the image. Detection follows
/// the rules AME uses for runs (the lock files first):
///
/// `uv.lock` → uv; `poetry.lock` → poetry; `Pipfile.lock` → pipenv; `pyproject.toml` with
/// `[tool.uv]` → uv, with `[tool.poetry]` → poetry; `Pipfile` → pipenv; `python_env.yaml`
/// (MLflow) → pip; `requirements.txt` → pip; `environment.yml`/`.yaml` → conda;
/// `pyproject.toml` with `[project]` → uv. `dependencies:` in ame.yaml chooses the manager.
struct PythonDependencies: Sendable, Equatable {
    enum Manager: String, Sendable {
        case pip, uv, poetry, pipenv, conda, mlflow
    }

    var manager: Manager
    /// The files the dependency layer is built from, copied before the project's code.
    var files: [String]
    /// The file that made the choice (`uv.lock`, `requirements.txt`, …).
    var reason: String
    var locked: Bool
    /// For MLflow's python_env.yaml: its `build_dependencies`, then its `dependencies`.
    var packages: [[String]] = []

    /// The detected dependencies, or nil when the project declares none (or `dependencies: none`).
    static func detect(in project: ProjectSnapshot) -> PythonDependencies? {
        let pyproject = project.text("pyproject.toml").map(TOMLTables.init)
        switch project.dependencies {
        case "none":
            return nil
        case "pip":
            if project.exists("requirements.txt") { return pip(project) }
            if project.exists("python_env.yaml") { return mlflow(project) }
            return nil
        case "uv": return uv(project)
        case "poetry": return poetry(project)
        case "pipenv": return pipenv(project)
        case "conda": return conda(project)
        default: break
        }
        if project.exists("uv.lock") { return uv(project) }
        if project.exists("poetry.lock") { return poetry(project) }
        if project.exists("Pipfile.lock") { return pipenv(project) }
        if pyproject?.has("tool.uv") == true { return uv(project) }
        if pyproject?.has("tool.poetry") == true { return poetry(project) }
        if project.exists("Pipfile") { return pipenv(project) }
        if project.exists("python_env.yaml") { return mlflow(project) }
        if project.exists("requirements.txt") { return pip(project) }
        if project.exists("environment.yml") || project.exists("environment.yaml") { return conda(project) }
        if pyproject?.has("project") == true { return uv(project) }
        return nil
    }

    static func uv(_ project: ProjectSnapshot) -> PythonDependencies? {
        guard project.exists("pyproject.toml") else { return nil }
        let locked = project.exists("uv.lock")
        return PythonDependencies(manager: .uv, files: ["pyproject.toml"] + (locked ? ["uv.lock"] : []),
                                  reason: locked ? "uv.lock" : "pyproject.toml", locked: locked)
    }

    static func poetry(_ project: ProjectSnapshot) -> PythonDependencies? {
        guard project.exists("pyproject.toml") else { return nil }
        let locked = project.exists("poetry.lock")
        return PythonDependencies(manager: .poetry, files: ["pyproject.toml"] + (locked ? ["poetry.lock"] : []),
                                  reason: locked ? "poetry.lock" : "pyproject.toml", locked: locked)
    }

    static func pipenv(_ project: ProjectSnapshot) -> PythonDependencies? {
        guard project.exists("Pipfile") else { return nil }
        let locked = project.exists("Pipfile.lock")
        return PythonDependencies(manager: .pipenv, files: ["Pipfile"] + (locked ? ["Pipfile.lock"] : []),
                                  reason: locked ? "Pipfile.lock" : "Pipfile", locked: locked)
    }

    static func pip(_ project: ProjectSnapshot) -> PythonDependencies {
        PythonDependencies(manager: .pip, files: requirementsClosure("requirements.txt", in: project),
                           reason: "requirements.txt", locked: true)
    }

    static func mlflow(_ project: ProjectSnapshot) -> PythonDependencies {
        var files = ["python_env.yaml"]
        let document = SimpleYAMLLists(project.text("python_env.yaml") ?? "")
        for entry in document.all {
            if let file = requirementFile(in: entry) {
                files += requirementsClosure(file, in: project).filter { !files.contains($0) }
            }
        }
        return PythonDependencies(manager: .mlflow, files: files, reason: "python_env.yaml", locked: true,
                                  packages: [document.lists["build_dependencies"] ?? [], document.lists["dependencies"] ?? []])
    }

    static func conda(_ project: ProjectSnapshot) -> PythonDependencies? {
        let file = project.exists("environment.yml") ? "environment.yml" : "environment.yaml"
        guard project.exists(file) else { return nil }
        return PythonDependencies(manager: .conda, files: [file], reason: file, locked: true)
    }

    /// A requirements file and the files its `-r`/`-c` lines include, in order.
    static func requirementsClosure(_ file: String, in project: ProjectSnapshot) -> [String] {
        var result: [String] = []
        var queue = [file]
        while let next = queue.first, result.count < 64 {
            queue.removeFirst()
            guard !result.contains(next), project.exists(next) else { continue }
            result.append(next)
            let folder = (next as NSString).deletingLastPathComponent
            for line in (project.text(next) ?? "").split(whereSeparator: \.isNewline) {
                if let included = requirementFile(in: String(line)) {
                    let path = folder.isEmpty ? included : "\(folder)/\(included)"
                    queue.append((path as NSString).standardizingPath)
                }
            }
        }
        return result
    }

    /// `-r other.txt`, `--requirement=other.txt`, `-c constraints.txt`: the file named.
    static func requirementFile(in line: String) -> String? {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        for prefix in ["--requirement=", "--constraint=", "--requirement ", "--constraint ", "-r ", "-c ", "-r", "-c"] where trimmed.hasPrefix(prefix) {
            let file = trimmed.dropFirst(prefix.count).trimmingCharacters(in: .whitespaces)
            guard !file.isEmpty, !file.hasPrefix("/"), !file.contains("://"), !file.split(separator: "/").contains("..") else { return nil }
            return file
        }
        return nil
    }

    /// The Python version the image's base should carry, by AME's one rule (docs/ame-yaml.md, "Which
    /// Python"): `python:` in ame.yaml, else `.python-version`, else the pin of
    /// python_env.yaml, the Pipfile or pyproject.toml's `requires-python` (a lower bound
    /// AME's default meets gives the default); nil when none.
    static func pythonVersion(in project: ProjectSnapshot) -> String? {
        var candidates: [String?] = [project.python]
        candidates.append(project.text(".python-version")?.split(whereSeparator: \.isNewline).first.map(String.init))
        candidates.append(SimpleYAMLLists(project.text("python_env.yaml") ?? "").scalars["python"])
        if let pipfile = project.text("Pipfile") {
            for line in pipfile.split(whereSeparator: \.isNewline) where line.contains("python_version") || line.contains("python_full_version") {
                candidates.append(line.split(separator: "=").last.map { $0.trimmingCharacters(in: CharacterSet(charactersIn: " \"'")) })
            }
        }
        if let pyproject = project.text("pyproject.toml"),
           let line = pyproject.split(whereSeparator: \.isNewline).first(where: { $0.trimmingCharacters(in: .whitespaces).hasPrefix("requires-python") }),
           let value = line.split(separator: "=", maxSplits: 1).last?.trimmingCharacters(in: CharacterSet(charactersIn: " \"'")) {
            candidates.append(requiresPython(value))
        }
        for candidate in candidates {
            guard let text = candidate?.trimmingCharacters(in: .whitespaces) else { continue }
            let parts = text.split(separator: ".")
            guard parts.count >= 2, parts.prefix(2).allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isNumber) }) else { continue }
            return parts.prefix(2).joined(separator: ".")
        }
        return nil
    }
}

extension PythonDependencies {
    /// The minor release a `requires-python` value names: "==3.10.*", "~=3.10" and "3.10" name
    /// 3.10; ">=3.10" names AME's default when that meets it, else 3.10; nil for the rest.
    static func requiresPython(_ value: String) -> String? {
        let first = value.split(separator: ",").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        let operators = [">=", "==", "~=", "^", "~", ">"]
        let op = operators.first { first.hasPrefix($0) } ?? ""
        let version = first.dropFirst(op.count).trimmingCharacters(in: .whitespaces).replacingOccurrences(of: ".*", with: "")
        let parts = version.split(separator: ".").prefix(2).compactMap { Int($0) }
        guard parts.count == 2 else { return nil }
        let named = "\(parts[0]).\(parts[1])"
        guard op.hasPrefix(">") else { return named }
        let defaults = Containerfile.defaultPython.split(separator: ".").compactMap { Int($0) }
        return defaults.lexicographicallyPrecedes(parts) ? named : Containerfile.defaultPython
    }
}

/// The table headers of a TOML file (`[tool.uv]`, `[project]`): enough to tell managers apart.
struct TOMLTables {
    var tables: Set<String> = []

    init(_ text: String) {
        for line in text.split(whereSeparator: \.isNewline) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix("["), let close = trimmed.firstIndex(of: "]") else { continue }
            let name = trimmed[trimmed.index(after: trimmed.startIndex)..<close].trimmingCharacters(in: CharacterSet(charactersIn: "[] "))
            tables.insert(name)
        }
    }

    /// True when the table or one nested in it is present.
    func has(_ table: String) -> Bool {
        tables.contains { $0 == table || $0.hasPrefix("\(table).") }
    }
}

/// The top-level scalars and lists of a simple YAML file (MLflow's python_env.yaml).
struct SimpleYAMLLists {
    var scalars: [String: String] = [:]
    var lists: [String: [String]] = [:]

    init(_ text: String) {
        var current: String?
        for raw in text.split(whereSeparator: \.isNewline) {
            let line = String(raw)
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            if !line.hasPrefix(" ") && !line.hasPrefix("-"), let colon = trimmed.firstIndex(of: ":") {
                let key = String(trimmed[..<colon])
                let value = trimmed[trimmed.index(after: colon)...].trimmingCharacters(in: CharacterSet(charactersIn: " \"'"))
                if value.isEmpty {
                    current = key
                    lists[key] = []
                } else {
                    current = nil
                    scalars[key] = value
                }
            } else if trimmed.hasPrefix("- "), let key = current {
                lists[key, default: []].append(trimmed.dropFirst(2).trimmingCharacters(in: CharacterSet(charactersIn: " \"'")))
            }
        }
    }

    var all: [String] { (lists["build_dependencies"] ?? []) + (lists["dependencies"] ?? []) }
}
