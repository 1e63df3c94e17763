import AMEPluginKit
import AMESystem
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `ame plugin install` and `ame plugin remove`.
///
/// Layout under the installed-plugins folder:
///
///     plugins/NAME -> .store/NAME-<id>     a symbolic link, swapped in one rename
///     plugins/.store/NAME-<id>/ame-NAME    the plugin (with whatever its archive held)
///     plugins/.store/NAME-<id>/.ame-install.json   what was installed, from where
///
/// Everything is prepared in a staging folder — download, hash check, extraction,
/// handshake — before the link is swapped, so a failed install or upgrade leaves the
/// previous state exactly as it was, and a running `ame` sees the old plugin or the new,
/// never a mix.
public struct PluginInstaller: Sendable {
    public struct Installed: Sendable, Codable {
        public var name: String
        public var version: String
        public var source: String
        public var sha256: String
        public var installedAt: Date
        public var path: String
        /// The version this install replaced, if any.
        public var replacedVersion: String?
    }

    public var directory: URL
    public var environment: [String: String]
    public var builtinNames: Set<String>

    public init(directory: URL, environment: [String: String], builtinNames: Set<String>) {
        self.directory = directory
        self.environment = environment
        self.builtinNames = builtinNames
    }

    var store: URL { directory.appendingPathComponent(".store") }
    static let metadataFile = ".ame-install.json"

    // MARK: Install

    /// `source` is a local path (an `ame-NAME` executable or a tar archive) or a URL of an
    /// archive; `sha256`, when given, must match the bytes fetched.
    public func install(source: String, sha256 expected: String?, workingDirectory: URL) async throws -> Installed {
        if let expected, SHA256Text.normalize(expected) == nil {
            throw CLIError("'\(expected)' is not a SHA-256 (64 hexadecimal digits)", hint: "copy the checksum the plugin's publisher gives", exitCode: 2)
        }
        try FileManager.default.createDirectory(at: store, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory.path)
        let lock = try FileLock(path: directory.appendingPathComponent(".lock").path)
        defer { lock.unlock() }

        let staging = directory.appendingPathComponent(".staging-\(UUID().uuidString.prefix(8).lowercased())")
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o755])
        // Whatever happens below, nothing half-done stays behind.
        defer { try? FileManager.default.removeItem(at: staging) }

        // 1. Fetch.
        let fetched = staging.appendingPathComponent("download")
        let sourceName: String
        if let url = URL(string: source), let scheme = url.scheme, ["http", "https", "file"].contains(scheme) {
            try await PluginDownload.fetch(url, to: fetched)
            sourceName = url.lastPathComponent
        } else {
            let local = source.hasPrefix("/") ? URL(fileURLWithPath: source) : workingDirectory.appendingPathComponent(source)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: local.path, isDirectory: &isDirectory), !isDirectory.boolValue else {
                throw CLIError("there is no file at \(local.path)", hint: "give the path of an ame-NAME executable or of a .tar.gz archive")
            }
            try FileManager.default.copyItem(at: local.standardizedFileURL.resolvingSymlinksInPath(), to: fetched)
            sourceName = local.lastPathComponent
        }

        // 2. Verify before anything is unpacked or run.
        let actual = try SHA256File.hex(of: fetched)
        if let expected, let normalized = SHA256Text.normalize(expected), normalized != actual {
            throw CLIError("the SHA-256 of \(source) is \(actual), not \(normalized)",
                           hint: "the file is not the one the checksum is for; nothing was installed")
        }

        // 3. Unpack (or take the single executable as it is).
        let root = staging.appendingPathComponent("root")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o755])
        let executable: URL
        let data = try Data(contentsOf: fetched, options: .mappedIfSafe)
        if let archive = try Self.archive(from: data) {
            try ArchiveExtractor.extract(archive, into: root)
            executable = try Self.findExecutable(in: root)
        } else {
            guard sourceName.hasPrefix("ame-"), PluginDescription.isValidName(String(sourceName.dropFirst(4))) else {
                throw CLIError("'\(sourceName)' is neither a tar archive nor an executable named ame-NAME",
                               hint: "plugins are files named ame-NAME (NAME: lowercase letters, digits and '-'), or .tar.gz archives holding one")
            }
            executable = root.appendingPathComponent(sourceName)
            try FileManager.default.copyItem(at: fetched, to: executable)
            chmod(executable.path, 0o755)
        }
        try? FileManager.default.removeItem(at: fetched)
        let name = String(executable.lastPathComponent.dropFirst(4))

        // 4. The same checks discovery makes, and the handshake.
        if builtinNames.contains(name) || PluginResolver.reservedNames.contains(name) {
            throw CLIError("'\(name)' is the name of a built-in command; a plugin with it would never run",
                           hint: "rename the plugin", exitCode: 2)
        }
        if case .invalid(let reason) = PluginFileCheck.check(executable.path) {
            throw CLIError("the plugin in \(source) cannot be installed: \(reason)", hint: "fix the archive and try again")
        }
        let description: PluginDescription
        switch await PluginHandshake.describe(path: executable.path, environment: environment) {
        case .failed(let reason):
            throw CLIError("ame-\(name) failed its handshake: \(reason)", hint: "check it with 'ame plugin test PATH' before installing")
        case .described(let described):
            if let problem = described.problem(expectedName: name) {
                throw CLIError("ame-\(name) cannot be installed: \(problem)", hint: "check it with 'ame plugin test PATH'")
            }
            description = described
        }

        // 5. Move into the store and swap the link.
        let link = directory.appendingPathComponent(name)
        let previousTarget = try currentStoreFolder(of: link, name: name)
        let previousVersion = previousTarget.flatMap { readMetadata(in: $0)?.version }
        let stored = store.appendingPathComponent("\(name)-\(UUID().uuidString.prefix(8).lowercased())")
        let installed = Installed(name: name, version: description.version, source: source, sha256: actual, installedAt: Date(),
                                  path: link.appendingPathComponent("ame-\(name)").path, replacedVersion: previousVersion)
        try JSONOutput.encoder().encode(installed).write(to: root.appendingPathComponent(Self.metadataFile))
        try rename(root, to: stored)
        do {
            try swapLink(link, to: ".store/\(stored.lastPathComponent)")
        } catch {
            try? FileManager.default.removeItem(at: stored)
            throw error
        }
        if let previousTarget { try? FileManager.default.removeItem(at: previousTarget) }
        return installed
    }

    static func archive(from data: Data) throws -> TarArchive? {
        var bytes = data
        if data.starts(with: [0x1F, 0x8B]) {
            bytes = try Gunzip.decompress(data, limit: PluginDownload.maximumSize)
        } else {
            let magic = data.count >= 263 ? String(decoding: data[257..<262], as: UTF8.self) : ""
            guard magic == "ustar" else { return nil }
        }
        do {
            return try TarArchive(bytes)
        } catch {
            throw CLIError("the archive was refused: \(error.reason)", hint: "nothing was installed; plugin archives hold plain files and folders under one root")
        }
    }

    /// `ame-NAME` at the archive's top level, or inside its single top-level folder.
    static func findExecutable(in root: URL) throws -> URL {
        var folder = root
        let manager = FileManager.default
        var entries = (try? manager.contentsOfDirectory(atPath: folder.path)) ?? []
        if entries.count == 1, let only = entries.first {
            var isDirectory: ObjCBool = false
            if manager.fileExists(atPath: folder.appendingPathComponent(only).path, isDirectory: &isDirectory), isDirectory.boolValue {
                // Release archives often hold one folder (ame-x-1.0/); its contents become the plugin's.
                let inner = folder.appendingPathComponent(only)
                for item in (try? manager.contentsOfDirectory(atPath: inner.path)) ?? [] {
                    try manager.moveItem(at: inner.appendingPathComponent(item), to: root.appendingPathComponent(item))
                }
                try manager.removeItem(at: inner)
                folder = root
                entries = (try? manager.contentsOfDirectory(atPath: folder.path)) ?? []
            }
        }
        let candidates = entries.filter { $0.hasPrefix("ame-") && PluginDescription.isValidName(String($0.dropFirst(4))) }
            .filter { item in
                var info = stat()
                return lstat(folder.appendingPathComponent(item).path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
            }
        guard candidates.count == 1, let name = candidates.first else {
            throw CLIError(candidates.isEmpty ? "the archive holds no ame-NAME executable at its top level"
                                              : "the archive holds several plugins (\(candidates.sorted().joined(separator: ", ")))",
                           hint: "a plugin archive holds exactly one ame-NAME file, at its top or in its single top folder")
        }
        return folder.appendingPathComponent(name)
    }

    // MARK: Remove

    /// Removes a plugin `install` installed; anything else is refused, with where it is.
    public func remove(name: String) throws -> Installed? {
        let link = directory.appendingPathComponent(name)
        let lock = try FileLock(path: directory.appendingPathComponent(".lock").path)
        defer { lock.unlock() }
        guard let target = try currentStoreFolder(of: link, name: name) else {
            throw CLIError("no plugin named '\(name)' was installed with 'ame plugin install'",
                           hint: "'ame plugin list' shows where each plugin comes from; remove others where they are")
        }
        let metadata = readMetadata(in: target)
        guard unlink(link.path) == 0 else {
            throw CLIError("cannot remove \(link.path): \(String(cString: strerror(errno)))", hint: "check the folder's permissions")
        }
        try? FileManager.default.removeItem(at: target)
        return metadata
    }

    // MARK: Helpers

    /// The store folder `link` points to; nil when there is no link. Anything at `link`
    /// that `install` did not make is an error: AME never replaces what it did not create.
    func currentStoreFolder(of link: URL, name: String) throws -> URL? {
        var info = stat()
        guard lstat(link.path, &info) == 0 else { return nil }
        guard (info.st_mode & S_IFMT) == S_IFLNK,
              let destination = try? FileManager.default.destinationOfSymbolicLink(atPath: link.path),
              destination.hasPrefix(".store/"), !destination.dropFirst(7).contains("/"), !destination.contains("..") else {
            throw CLIError("\(link.path) was not made by 'ame plugin install'", hint: "move it away, then try again")
        }
        return directory.appendingPathComponent(destination)
    }

    func readMetadata(in folder: URL) -> Installed? {
        guard let data = FileManager.default.contents(atPath: folder.appendingPathComponent(Self.metadataFile).path) else { return nil }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try? decoder.decode(Installed.self, from: data)
    }

    /// Every plugin `install` installed.
    public func installed() -> [Installed] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.sorted().compactMap { name in
            guard PluginDescription.isValidName(name),
                  let folder = try? currentStoreFolder(of: directory.appendingPathComponent(name), name: name) else { return nil }
            return readMetadata(in: folder)
        }
    }

    func rename(_ source: URL, to destination: URL) throws {
        guard Glibc.rename(source.path, destination.path) == 0 else {
            throw CLIError("cannot move \(source.path) to \(destination.path): \(String(cString: strerror(errno)))",
                           hint: "check the permissions of \(directory.path)")
        }
    }

    /// Points `link` at `target` in one `rename(2)`: there is no moment without a plugin.
    func swapLink(_ link: URL, to target: String) throws {
        let temporary = directory.appendingPathComponent(".\(link.lastPathComponent).swap-\(UUID().uuidString.prefix(8).lowercased())")
        guard symlink(target, temporary.path) == 0 else {
            throw CLIError("cannot create \(temporary.path): \(String(cString: strerror(errno)))", hint: "check the permissions of \(directory.path)")
        }
        guard Glibc.rename(temporary.path, link.path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary.path)
            throw CLIError("cannot install \(link.path): \(reason)", hint: "check the permissions of \(directory.path)")
        }
    }
}
