@testable import AMECLI
import Foundation
import Testing

@Suite("Plugin transport pieces: line splitting and tar reading")
struct TransportTests {
    @Test("lines split across chunks, CRLF, and the 8 MiB limit")
    func lineSplitter() {
        var splitter = LineSplitter(maximumLength: 16)
        #expect(splitter.append(Data("{\"a\":".utf8)) == [])
        #expect(splitter.append(Data("1}\r\n{\"b\":2}\n{\"c\"".utf8)) == [.line(Data("{\"a\":1}".utf8)), .line(Data("{\"b\":2}".utf8))])
        #expect(splitter.remainder == Data("{\"c\"".utf8))
        #expect(splitter.append(Data(":3}\n".utf8)) == [.line(Data("{\"c\":3}".utf8))])
        #expect(splitter.append(Data(String(repeating: "x", count: 17).utf8)) == [.tooLong])

        var long = LineSplitter(maximumLength: 16)
        #expect(long.append(Data((String(repeating: "y", count: 20) + "\n").utf8)) == [.tooLong])
    }

    @Test("a well-formed archive reads back entry by entry")
    func tarReading() throws {
        var writer = TarWriter()
        writer.add("pkg/", .directory)
        writer.add("pkg/ame-x", .file("#!/bin/sh\n", mode: 0o755))
        writer.add("pkg/lib/link", .symlink("../ame-x"))
        let archive = try TarArchive(writer.archive)
        #expect(archive.entries.map(\.path) == ["pkg", "pkg/ame-x", "pkg/lib/link"])
        #expect(archive.entries[1].kind == .file(Data("#!/bin/sh\n".utf8), mode: 0o755))
        #expect(archive.entries[2].kind == .symlink("../ame-x"))
    }

    @Test("garbage is not an archive")
    func tarGarbage() {
        #expect(throws: TarArchive.Refusal.self) { try TarArchive(Data(repeating: 0x41, count: 1024)) }
    }
}
