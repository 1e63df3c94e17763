import AMESystem
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The Python interpreters this machine has, found without going through shims.
///
/// Where it looks, in order: each `$PATH` entry (a pyenv `shims` directory stands for the
/// versions pyenv selects globally, other shim directories are skipped), then every
/// `$PYENV_ROOT/versions/*/bin/python3`, then `/usr/local/bin/python3*` and
/// `/usr/bin/python3*`. Scripts are skipped (a shim is a script; an interpreter is not),
/// paths are resolved so one interpreter is listed once, and each is run once to learn its
/// version. The first one found is what `python3` means to the user.
public struct PythonInterpreterCatalog: Hashable, Sendable {
    /// In discovery order; the first is the user's default.
    public var interpreters: [PythonInterpreter]

    public init(interpreters: [PythonInterpreter]) {
        self.interpreters = interpreters
    }

    /// What `python3` means to the user (first on `PATH`, shims resolved), if anything.
    public var preferred: PythonInterpreter? { interpreters.first }

    /// Distinct versions, newest first: what an error message offers.
    public var availableVersions: [String] {
        var seen = Set<String>()
        return interpreters
            .sorted { ($0.release ?? PythonVersion(major: 0)) > ($1.release ?? PythonVersion(major: 0)) }
            .map(\.version)
            .filter { seen.insert($0).inserted }
    }

    /// The interpreter to use for `requirement`: the user's default when it qualifies (that
    /// is what the project runs with locally, and what uv and Poetry pick too), otherwise
    /// the newest that qualifies. Nil requirement: the default. Nil result: none qualifies.
    public func best(matching requirement: PythonVersionRequirement?) -> PythonInterpreter? {
        guard let requirement else { return preferred }
        func qualifies(_ interpreter: PythonInterpreter) -> Bool {
            interpreter.release.map(requirement.isSatisfied(by:)) ?? false
        }
        if let preferred, qualifies(preferred) { return preferred }
        var best: PythonInterpreter?
        for interpreter in interpreters where qualifies(interpreter) {
            // Strictly newer only, so among equal versions the one found first wins.
            if let current = best?.release, let candidate = interpreter.release, !(candidate > current) { continue }
            best = interpreter
        }
        return best
    }

    /// `best(matching:)` for a requirement written as text; nil when it cannot be read.
    public func best(matching requirement: String?) -> PythonInterpreter? {
        guard let requirement else { return preferred }
        guard let parsed = PythonVersionRequirement(requirement) else { return nil }
        return best(matching: parsed)
    }

    // MARK: - Discovery

    /// Finds the interpreters, remembering the answer in memory: running a dozen interpreters
    /// costs about a second. The answer is found again when the `PATH`/`HOME`/pyenv settings
    /// differ or one of the places looked in has changed (its modification time), so a
    /// Python installed while a server runs is seen by the next run.
    ///
    /// With a `cacheDirectory`, each interpreter's version is also remembered on disk, keyed
    /// by the binary's path, size, mtime and inode, so a new process (every run agent is one)
    /// does not start every Python again just to ask its version, and the whole answer is
    /// kept under the same key (`InterpreterCatalogFile`), so it does not list `PATH` either.
    public static func discover(environment: [String: String], cacheDirectory: URL? = nil) async -> PythonInterpreterCatalog {
        let key = cacheKey(environment: environment)
        if let cached = cache.value(for: key) { return cached }
        let file = InterpreterCatalogFile(directory: cacheDirectory)
        if let stored = file.load(key: key) {
            cache.store(stored, for: key)
            return stored
        }
        let catalog = await discoverUncached(environment: environment, cacheDirectory: cacheDirectory)
        cache.store(catalog, for: key)
        file.save(catalog, key: key)
        return catalog
    }

    /// Discovery without the in-memory cache (after installing a Python, say).
    public static func discoverUncached(environment: [String: String], cacheDirectory: URL? = nil) async -> PythonInterpreterCatalog {
        let candidates = candidatePaths(environment: environment)
        let probeEnvironment = ["PATH": environment["PATH"] ?? "/usr/bin:/bin", "HOME": environment["HOME"] ?? "/"]
        let known = InterpreterVersionCache(directory: cacheDirectory)
        let versions = await withTaskGroup(of: (Int, String?).self) { group in
            for (index, path) in candidates.enumerated() {
                group.addTask {
                    if let version = known.version(of: path) { return (index, version) }
                    let version = await probeVersion(path, environment: probeEnvironment)
                    if let version { known.record(version, for: path) }
                    return (index, version)
                }
            }
            var results = [String?](repeating: nil, count: candidates.count)
            for await (index, version) in group { results[index] = version }
            return results
        }
        known.save()
        let interpreters = zip(candidates, versions).compactMap { path, version in
            version.map { PythonInterpreter(path: path, version: $0) }
        }
        return PythonInterpreterCatalog(interpreters: interpreters)
    }

    /// The settings and the modification times of every directory (and pyenv's `version`
    /// file) that discovery reads: installing or selecting a Python changes one of them.
    static func cacheKey(environment: [String: String]) -> String {
        let home = environment["HOME"] ?? NSHomeDirectory()
        let pyenvRoot = environment["PYENV_ROOT"].flatMap { $0.hasPrefix("/") ? $0 : nil } ?? "\(home)/.pyenv"
        let settings = ["PATH", "HOME", "PYENV_ROOT", "PYENV_VERSION"].map { environment[$0] ?? "" }
        var places = (environment["PATH"] ?? "").split(separator: ":").map(String.init).filter { $0.hasPrefix("/") }
        places += ["\(pyenvRoot)/versions", "\(pyenvRoot)/version", "/usr/local/bin", "/usr/bin"]
        let times = places.map { place -> String in
            var info = stat()
            guard stat(place, &info) == 0 else { return "-" }
            return "\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)"
        }
        return (settings + times).joined(separator: "\u{0}")
    }

    /// Real, distinct interpreter paths in the order described on the type.
    static func candidatePaths(environment: [String: String]) -> [String] {
        let home = environment["HOME"] ?? NSHomeDirectory()
        let pyenvRoot = environment["PYENV_ROOT"].flatMap { $0.hasPrefix("/") ? $0 : nil } ?? "\(home)/.pyenv"
        var ordered: [String] = []
        var seen = Set<String>()
        func consider(_ path: String) {
            guard let real = realInterpreterPath(path), seen.insert(real).inserted else { return }
            ordered.append(real)
        }
        for entry in (environment["PATH"] ?? "").split(separator: ":").map(String.init) where entry.hasPrefix("/") {
            let directory = entry.hasSuffix("/") && entry.count > 1 ? String(entry.dropLast()) : entry
            if (directory as NSString).lastPathComponent == "shims" {
                // A shim dispatches to a version chosen at run time; stand in the version pyenv
                // selects globally, and skip shim directories AME cannot see through (asdf, plugins).
                let root = (directory as NSString).deletingLastPathComponent
                guard FileManager.default.fileExists(atPath: "\(root)/versions") else { continue }
                for version in pyenvSelectedVersions(root: root, environment: environment) {
                    consider("\(root)/versions/\(version)/bin/python3")
                }
                continue
            }
            for name in pythonNames(in: directory) { consider("\(directory)/\(name)") }
        }
        let versionsDirectory = "\(pyenvRoot)/versions"
        let installed = (try? FileManager.default.contentsOfDirectory(atPath: versionsDirectory)) ?? []
        for version in installed.sorted(by: { (PythonVersion($0) ?? PythonVersion(major: 0)) > (PythonVersion($1) ?? PythonVersion(major: 0)) }) {
            consider("\(versionsDirectory)/\(version)/bin/python3")
        }
        for directory in ["/usr/local/bin", "/usr/bin"] {
            for name in pythonNames(in: directory) { consider("\(directory)/\(name)") }
        }
        return ordered
    }

    /// `python3` first, then `python3.N` newest first; never `python3-config` and the like.
    static func pythonNames(in directory: String) -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        let versioned = names.filter { name in
            guard name.hasPrefix("python3.") else { return false }
            let minor = name.dropFirst("python3.".count)
            return !minor.isEmpty && minor.allSatisfy { $0.isASCII && $0.isNumber }
        }
        let sorted = versioned.sorted { (Int($0.dropFirst(8)) ?? 0) > (Int($1.dropFirst(8)) ?? 0) }
        return (names.contains("python3") ? ["python3"] : []) + sorted
    }

    /// pyenv's global choice: `$PYENV_VERSION`, else the `version` file (one name per line;
    /// "system" means the system Python, which the rest of `PATH` finds anyway).
    static func pyenvSelectedVersions(root: String, environment: [String: String]) -> [String] {
        let text: String
        if let variable = environment["PYENV_VERSION"], !variable.isEmpty {
            text = variable.replacingOccurrences(of: ":", with: "\n")
        } else {
            text = (try? String(contentsOfFile: "\(root)/version", encoding: .utf8)) ?? ""
        }
        return text.split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") && $0 != "system" && !$0.contains("/") }
    }

    /// The resolved path when `path` is an executable regular file that is not a script.
    static func realInterpreterPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        let real = String(cString: resolved)
        var info = stat()
        guard stat(real, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, access(real, X_OK) == 0 else { return nil }
        guard let handle = FileHandle(forReadingAtPath: real) else { return nil }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: 2)) ?? Data()
        // Shims (pyenv, asdf, wrappers) are scripts; a real interpreter is a binary.
        if head == Data("#!".utf8) { return nil }
        return real
    }

    /// Runs the interpreter once, isolated from PYTHON* variables and user site-packages.
    static func probeVersion(_ path: String, environment: [String: String]) async -> String? {
        var configuration = ChildProcess.Configuration(
            executable: path,
            arguments: ["-I", "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"],
            environment: environment)
        configuration.standardOutput = .pipe
        configuration.standardError = .null
        guard let child = try? ChildProcess.spawn(configuration), let output = child.standardOutput else { return nil }
        // A broken interpreter that hangs must not stall discovery.
        let watchdog = Task {
            try await Task.sleep(for: .seconds(15))
            child.sendToGroup(SIGKILL)
        }
        let data = await PipeReader.readAll(output)
        let status = await child.waitForExit()
        watchdog.cancel()
        guard status.succeeded else { return nil }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let version = PythonVersion(text), version.components == 3 else { return nil }
        return version.description
    }

    private static let cache = CatalogCache()
}

/// Catalogs already discovered in this process, by the environment they were found in.
private final class CatalogCache: @unchecked Sendable {
    private let lock = NSLock()
    private var catalogs: [String: PythonInterpreterCatalog] = [:]

    func value(for key: String) -> PythonInterpreterCatalog? {
        lock.lock()
        defer { lock.unlock() }
        return catalogs[key]
    }

    func store(_ catalog: PythonInterpreterCatalog, for key: String) {
        lock.lock()
        defer { lock.unlock() }
        catalogs[key] = catalog
    }
}
