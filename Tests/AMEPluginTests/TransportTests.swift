@testable import AMECLI
import Foundation
import Testing

@Suite("Plugin transport pieces: line splitting and tar reading")
struct TransportTests {
    @Test("plugin output: CRLF lines, blank lines, a last line without a newline, and the size limit")
    func outputParsing() {
        var parser = PluginOutputParser()
        let outputs = parser.feed(Data("{\"jsonrpc\":\"2.0\",\"method\":\"a\"}\r\n  \r\n{\"jsonrpc\":\"2.0\",".utf8))
        #expect(outputs.count == 1)
        if case .message(let message)? = outputs.first { #expect(message.method == "a") } else { Issue.record("\(outputs)") }
        let rest = parser.feed(Data("\"method\":\"b\"}".utf8)) + parser.finish()
        #expect(rest.count == 2)
        if case .message(let message)? = rest.first { #expect(message.method == "b") } else { Issue.record("\(rest)") }

        var long = PluginOutputParser()
        let huge = Data(repeating: 0x78, count: PluginProcess.maximumMessageSize + 1)
        guard case .lineTooLong? = long.feed(huge).last else { Issue.record("an overlong line was accepted"); return }
        #expect(long.feed(Data("{}\n".utf8)).isEmpty)
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
