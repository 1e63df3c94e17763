import Foundation

/// The files in a project directory that say how its Python environment is made, read once.
struct PythonProjectFiles {
    let directory: URL
    /// `pyproject.toml`, when present and readable.
    let pyproject: TOMLScanner?
    /// `Pipfile`, when present and readable.
    let pipfile: TOMLScanner?

    init(directory: URL) throws {
        self.directory = directory
        let pyprojectPath = directory.appendingPathComponent("pyproject.toml").path
        let pipfilePath = directory.appendingPathComponent("Pipfile").path
        pyproject = FileManager.default.fileExists(atPath: pyprojectPath) ? TOMLScanner(try Self.read(pyprojectPath)) : nil
        pipfile = FileManager.default.fileExists(atPath: pipfilePath) ? TOMLScanner(try Self.read(pipfilePath)) : nil
    }

    func exists(_ name: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: url(name).path, isDirectory: &isDirectory) && !isDirectory.boolValue
    }

    func url(_ name: String) -> URL { directory.appendingPathComponent(name) }

    func text(_ name: String) throws -> String { try Self.read(url(name).path) }

    /// `environment.yml` or `environment.yaml`, whichever exists.
    var condaFile: String? {
        ["environment.yml", "environment.yaml"].first(where: exists)
    }

    /// The version in `.python-version` (pyenv, uv), when it names one: "3.11", "3.11.7",
    /// "cpython@3.11" and "cpython-3.11.7-linux…" do; a pyenv virtualenv name does not.
    func pythonVersionFile() -> String? {
        guard exists(".python-version"), let text = try? text(".python-version") else { return nil }
        for line in text.split(whereSeparator: \.isNewline) {
            var entry = line.trimmingCharacters(in: .whitespaces)
            if entry.isEmpty || entry.hasPrefix("#") { continue }
            for prefix in ["cpython@", "cpython-", "python@", "python"] where entry.lowercased().hasPrefix(prefix) {
                entry = String(entry.dropFirst(prefix.count))
                break
            }
            // "3.11.7-linux-x86_64-gnu" (uv's full key): the version is the first part.
            if let dash = entry.firstIndex(of: "-") { entry = String(entry[..<dash]) }
            return PythonVersionRequirement(entry) != nil ? entry : nil
        }
        return nil
    }

    /// A requirements file and the files it pulls in with `-r`/`-c` (relative to the file
    /// that names them), and whether any line installs something from the project's own
    /// directory (`-e .`, `./pkg`, `file:`), which ties an environment to that directory.
    func requirementsClosure(_ name: String) throws -> (files: [String], local: Bool) {
        var files: [String] = []
        var local = false
        var pending: [(file: String, namedIn: String?)] = [(name, nil)]
        while let (file, namedIn) = pending.popLast() {
            let normalized = (file as NSString).standardizingPath
            guard !files.contains(normalized) else { continue }
            guard exists(normalized) else {
                let reason = namedIn.map { "\($0) names it, but it does not exist" } ?? "it does not exist"
                throw PythonEnvironmentError.fileProblem(path: url(normalized).path, reason: reason)
            }
            files.append(normalized)
            let base = (normalized as NSString).deletingLastPathComponent
            for (option, argument, line) in Self.requirementLines(try text(normalized)) {
                if let option, let argument, ["-r", "--requirement", "-c", "--constraint"].contains(option) {
                    if !argument.contains("://") { pending.append((base.isEmpty ? argument : "\(base)/\(argument)", normalized)) }
                } else if Self.isLocalReference(option: option, line: line) {
                    local = true
                }
            }
        }
        return (files, local)
    }

    /// Whether requirement lines (as in a requirements file or python_env.yaml) point into the project.
    static func isLocalReference(option: String?, line: String) -> Bool {
        if option == "-e" || option == "--editable" { return !line.contains("://") || line.contains("file:") }
        let requirement = line.trimmingCharacters(in: .whitespaces)
        return requirement.hasPrefix(".") || requirement.hasPrefix("/") || requirement.hasPrefix("file:") || requirement.contains("@ file:")
    }

    /// Lines without comments and continuations, split into an option and its argument when
    /// they start with one (`-r other.txt`, `--requirement=other.txt`).
    static func requirementLines(_ text: String) -> [(option: String?, argument: String?, line: String)] {
        var joined: [String] = []
        var current = ""
        for raw in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            var line = String(raw)
            if let hash = line.range(of: " #") ?? (line.hasPrefix("#") ? line.range(of: "#") : nil) {
                line = String(line[..<hash.lowerBound])
            }
            if line.hasSuffix("\\") {
                current += line.dropLast() + " "
                continue
            }
            current += line
            let trimmed = current.trimmingCharacters(in: .whitespaces)
            if !trimmed.isEmpty { joined.append(trimmed) }
            current = ""
        }
        return joined.map { line in
            guard line.hasPrefix("-") else { return (nil, nil, line) }
            let parts = line.split(maxSplits: 1, whereSeparator: { $0 == " " || $0 == "=" })
            let option = String(parts[0])
            let argument = parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : nil
            return (option, argument, argument ?? "")
        }
    }

    static func read(_ path: String) throws -> String {
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw PythonEnvironmentError.fileProblem(path: path, reason: "it cannot be read as UTF-8 text")
        }
    }
}
