import AMESystem
import AMETestSupport
import Foundation
import Testing

/// The `ame` these tests run is linked as it ships: a fully static executable, which starts
/// faster than one that loads shared libraries (CONTRIBUTING.md, "Benchmarks", has the figures). A build
/// setting that quietly brought the dynamic loader back would not fail any other test.
@Suite("the ame binary as it ships")
struct ShippedBinaryTests {
    @Test("ame is a static executable: no program interpreter, no shared libraries to load at each start")
    func staticExecutable() throws {
        let path = Fixtures.ameBinary.path
        let types = try ELFProgramHeaderTypes.read(path)
        #expect(!types.isEmpty, "no program headers in \(path)")
        #expect(!types.contains(ELFProgramHeaderTypes.interpreter), "\(path) names a program interpreter (the dynamic loader)")
        #expect(!types.contains(ELFProgramHeaderTypes.dynamic), "\(path) has a dynamic section (shared libraries)")
    }

    @Test("the binary answers --version and 'version --json' itself, as the in-process tests see it")
    func versionFromTheBinary() async throws {
        let sandbox = try AMESandbox(.embedded)
        let text = try await sandbox.ame(["--version"])
        #expect(text.exitCode == 0 && text.stderr.isEmpty, "\(text.stderr)")
        #expect(text.stdout.hasPrefix("ame \(BuildInfo.version)\ncommit: "), "\(text.stdout)")
        let json = try await sandbox.ame(["--version", "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any], "\(json.stdout)")
        #expect(object["version"] as? String == BuildInfo.version)
        #expect(Set(object.keys) == ["program", "version", "commit", "buildDate", "swiftVersion"])
    }
}

/// The `p_type` of each program header of a 64-bit little-endian ELF file.
enum ELFProgramHeaderTypes {
    static let dynamic: UInt32 = 2
    static let interpreter: UInt32 = 3

    struct NotELF: Error, CustomStringConvertible {
        var path: String
        var description: String { "\(path) is not a 64-bit little-endian ELF file" }
    }

    static func read(_ path: String) throws -> [UInt32] {
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        let header = [UInt8](try handle.read(upToCount: 64) ?? Data())
        // "\u{7F}ELF", class 2 (64-bit), data 1 (little-endian).
        guard header.count == 64, header[0..<4] == [0x7F, 0x45, 0x4C, 0x46], header[4] == 2, header[5] == 1 else {
            throw NotELF(path: path)
        }
        let tableOffset = integer(header, at: 0x20, size: 8)
        let entrySize = integer(header, at: 0x36, size: 2)
        let count = integer(header, at: 0x38, size: 2)
        guard entrySize >= 4 else { throw NotELF(path: path) }
        let tableSize = Int(entrySize * count)
        try handle.seek(toOffset: tableOffset)
        let table = [UInt8](try handle.read(upToCount: tableSize) ?? Data())
        guard table.count == tableSize else { throw NotELF(path: path) }
        return (0..<Int(count)).map { UInt32(integer(table, at: $0 * Int(entrySize), size: 4)) }
    }

    static func integer(_ bytes: [UInt8], at offset: Int, size: Int) -> UInt64 {
        (0..<size).reduce(UInt64(0)) { $0 | UInt64(bytes[offset + $1]) << (8 * UInt64($1)) }
    }
}
