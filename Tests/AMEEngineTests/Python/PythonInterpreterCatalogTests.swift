@testable import AMEEngine
import AMETestSupport
import Foundation
import Testing

@Suite struct PythonInterpreterCatalogTests {
    /// On this machine `python3` is a pyenv shim; discovery must see through it.
    @Test func discoversRealInterpretersNotShims() async throws {
        let catalog = await PythonTestSupport.catalog()
        try #require(!catalog.interpreters.isEmpty, "this machine has Python 3 interpreters")
        for interpreter in catalog.interpreters {
            #expect(!interpreter.path.contains("/shims/"))
            let head = try FileHandle(forReadingFrom: URL(fileURLWithPath: interpreter.path)).read(upToCount: 4)
            #expect(head == Data([0x7F, 0x45, 0x4C, 0x46]), "\(interpreter.path) is an ELF binary")
            #expect(PythonVersion(interpreter.version)?.components == 3)
        }
        #expect(Set(catalog.interpreters.map(\.path)).count == catalog.interpreters.count, "each interpreter is listed once")
    }

    @Test func findsEveryPyenvVersionWithItsOwnVersion() async throws {
        let home = PythonTestSupport.environment["HOME"] ?? NSHomeDirectory()
        let versions = URL(fileURLWithPath: "\(home)/.pyenv/versions")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: versions.path)) ?? []
        let withPython3 = names.filter { FileManager.default.fileExists(atPath: "\(versions.path)/\($0)/bin/python3") }
        let catalog = await PythonTestSupport.catalog()
        for name in withPython3 {
            let found = catalog.interpreters.first { $0.path.hasPrefix("\(versions.path)/\(name)/") }
            #expect(found?.version == name, "pyenv's \(name)")
        }
    }

    /// The default is what `python3` means to the user: with pyenv's shims on PATH, the
    /// version pyenv selects globally.
    @Test(.enabled(if: PythonInterpreterCatalogTests.pyenvGlobalVersion != nil,
                   "needs pyenv: its shims on PATH, a global version installed, no PYENV_VERSION"))
    func theDefaultIsPyenvsGlobalVersion() async throws {
        let global = try #require(Self.pyenvGlobalVersion)
        let catalog = await PythonTestSupport.catalog()
        #expect(catalog.preferred?.version == global)
    }

    /// pyenv's global version, when pyenv's shims decide what `python3` is here.
    static let pyenvGlobalVersion: String? = {
        let environment = PythonTestSupport.environment
        let home = environment["HOME"] ?? NSHomeDirectory()
        guard environment["PYENV_VERSION"] == nil,
              (environment["PATH"] ?? "").split(separator: ":").contains(Substring("\(home)/.pyenv/shims")),
              let global = try? String(contentsOfFile: "\(home)/.pyenv/version", encoding: .utf8)
                .split(whereSeparator: \.isNewline).first.map(String.init),
              FileManager.default.fileExists(atPath: "\(home)/.pyenv/versions/\(global)/bin/python3") else { return nil }
        return global
    }()

    @Test func skipsScriptsAndFollowsSymlinks() async throws {
        let temporary = try TemporaryDirectory()
        let real = try #require(await PythonTestSupport.catalog().preferred)
        // A shim-like script and a directory holding a symlink to a real interpreter.
        try temporary.write("wrappers/python3", "#!/bin/sh\nexec \(real.path) \"$@\"\n", mode: 0o755)
        try FileManager.default.createDirectory(at: temporary.file("links"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: temporary.file("links/python3").path, withDestinationPath: real.path)
        try FileManager.default.createSymbolicLink(atPath: temporary.file("links/python3.99").path, withDestinationPath: real.path)
        let environment = ["PATH": "\(temporary.path)/wrappers:\(temporary.path)/links", "HOME": temporary.path]
        let paths = PythonInterpreterCatalog.candidatePaths(environment: environment)
        #expect(paths.first == real.path)
        #expect(!paths.contains { $0.hasPrefix(temporary.path) })
        let catalog = await PythonInterpreterCatalog.discoverUncached(environment: environment)
        #expect(catalog.preferred == real)
    }

    @Test func discoveryIsCachedInMemory() async {
        let clock = ContinuousClock()
        _ = await PythonTestSupport.catalog()
        let elapsed = await clock.measure { _ = await PythonTestSupport.catalog() }
        #expect(elapsed < .seconds(2), "a cached catalog spawns nothing; took \(elapsed)")
    }

    /// A Python installed into a directory discovery reads changes the cache key.
    @Test func theCacheNoticesANewInterpreter() throws {
        let temporary = try TemporaryDirectory()
        try FileManager.default.createDirectory(at: temporary.file("bin"), withIntermediateDirectories: true)
        let environment = ["PATH": "\(temporary.path)/bin", "HOME": temporary.path]
        let before = PythonInterpreterCatalog.cacheKey(environment: environment)
        #expect(PythonInterpreterCatalog.cacheKey(environment: environment) == before)
        try temporary.write("bin/python3.99", "", mode: 0o755)
        #expect(PythonInterpreterCatalog.cacheKey(environment: environment) != before)
    }
}
