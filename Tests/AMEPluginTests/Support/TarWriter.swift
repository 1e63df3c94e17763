import Foundation

/// Builds ustar archives byte by byte, including the malicious ones `tar` would refuse to
/// create (absolute paths, `..`, escaping links).
struct TarWriter {
    enum Kind {
        case file(String, mode: Int)
        case directory
        case symlink(String)
        case hardlink(String)
    }

    private(set) var data = Data()

    mutating func add(_ path: String, _ kind: Kind) {
        var header = [UInt8](repeating: 0, count: 512)
        func put(_ text: String, at offset: Int, length: Int) {
            for (index, byte) in text.utf8.prefix(length).enumerated() { header[offset + index] = byte }
        }
        func octal(_ value: Int, at offset: Int, length: Int) {
            put(String(repeating: "0", count: max(0, length - 1 - String(value, radix: 8).count)) + String(value, radix: 8), at: offset, length: length - 1)
        }
        var content = Data()
        var mode = 0o755
        var type: Character = "0"
        var link = ""
        switch kind {
        case .file(let text, let fileMode):
            content = Data(text.utf8)
            mode = fileMode
        case .directory:
            type = "5"
        case .symlink(let target):
            type = "2"
            link = target
        case .hardlink(let target):
            type = "1"
            link = target
        }
        put(path, at: 0, length: 100)
        octal(mode, at: 100, length: 8)
        octal(0, at: 108, length: 8)
        octal(0, at: 116, length: 8)
        octal(content.count, at: 124, length: 12)
        octal(0, at: 136, length: 12)
        header[156] = type.asciiValue ?? 0x30
        put(link, at: 157, length: 100)
        put("ustar", at: 257, length: 6)
        put("00", at: 263, length: 2)
        for index in 148..<156 { header[index] = 0x20 }
        let sum = header.reduce(0) { $0 + Int($1) }
        octal(sum, at: 148, length: 7)
        data.append(contentsOf: header)
        data.append(content)
        let padding = (512 - content.count % 512) % 512
        data.append(Data(repeating: 0, count: padding))
    }

    /// The archive with its end marker.
    var archive: Data { data + Data(repeating: 0, count: 1024) }

    /// The archive, gzipped by the system's gzip.
    func gzipped() throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["gzip", "-c"]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        let archive = self.archive
        let writer = Thread {
            input.fileHandleForWriting.write(archive)
            try? input.fileHandleForWriting.close()
        }
        writer.start()
        let compressed = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return compressed
    }
}
