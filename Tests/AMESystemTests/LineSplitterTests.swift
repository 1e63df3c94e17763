import AMESystem
import Foundation
import Testing

/// The one line splitter: plugins' JSON-RPC output and the Kubernetes API's streams.
@Suite struct LineSplitterTests {
    func bytes(_ text: String) -> Data { Data(text.utf8) }

    @Test("lines split across chunks keep their \\r; the last line without a newline is the remainder")
    func acrossChunks() {
        var splitter = LineSplitter(maximumLength: 16)
        #expect(splitter.append(bytes("{\"a\":")) == [])
        #expect(splitter.append(bytes("1}\r\n{\"b\":2}\n{\"c\"")) == [.line(bytes("{\"a\":1}\r")), .line(bytes("{\"b\":2}"))])
        #expect(splitter.append(bytes(":3}\n")) == [.line(bytes("{\"c\":3}"))])
        #expect(splitter.append(bytes("tail")) == [])
        #expect(splitter.finish() == bytes("tail"))
        #expect(splitter.finish() == nil)
    }

    @Test("a line held past the limit is handed on as a partial piece, and splitting goes on")
    func overlong() {
        var splitter = LineSplitter(maximumLength: 16)
        let long = String(repeating: "x", count: 17)
        #expect(splitter.append(bytes(long)) == [.partial(bytes(long))])
        #expect(splitter.append(bytes("yz\nnext\n")) == [.line(bytes("yz")), .line(bytes("next"))])
        // A line that arrives whole in one chunk is a line, however long: the reader judges it.
        var whole = LineSplitter(maximumLength: 16)
        #expect(whole.append(bytes(String(repeating: "y", count: 20) + "\n")) == [.line(bytes(String(repeating: "y", count: 20)))])
    }

    @Test("a large stream in small random chunks gives back exactly its lines")
    func randomChunks() {
        var generator = SystemRandomNumberGenerator()
        let lines = (0..<500).map { index in String(repeating: "\(index % 10)", count: Int.random(in: 0...40, using: &generator)) }
        let stream = bytes(lines.joined(separator: "\n") + "\n")
        var splitter = LineSplitter(maximumLength: 1 << 20)
        var got: [String] = []
        var offset = 0
        while offset < stream.count {
            let size = min(stream.count - offset, Int.random(in: 1...97, using: &generator))
            for piece in splitter.append(stream.subdata(in: offset..<offset + size)) {
                guard case .line(let line) = piece else { Issue.record("unexpected \(piece)"); continue }
                got.append(String(decoding: line, as: UTF8.self))
            }
            offset += size
        }
        #expect(got == lines)
        #expect(splitter.finish() == nil)
    }
}
