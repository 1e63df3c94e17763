import Foundation

/// Reads a tar archive (ustar, GNU long names, pax headers) into entries, refusing anything
/// that could write outside the folder it is extracted into: absolute paths, `..`,
/// symbolic links that point outside, paths that go through a symbolic link, hard links,
/// devices and duplicates. AME extracts plugin archives itself, with these rules, rather
/// than trusting `tar` to.
public struct TarArchive: Sendable {
    public enum Kind: Sendable, Equatable {
        case file(Data, mode: UInt32)
        case directory
        case symlink(String)
    }

    public struct Entry: Sendable, Equatable {
        /// Relative, `/`-separated, with no `.` or `..` components.
        public var path: String
        public var kind: Kind
    }

    public struct Refusal: Error, Sendable, CustomStringConvertible {
        public var reason: String
        public var description: String { reason }
    }

    public private(set) var entries: [Entry] = []

    public init(_ data: Data) throws(Refusal) {
        let bytes = [UInt8](data)
        var offset = 0
        var longName: String?
        var longLink: String?
        var pax: [String: String] = [:]
        var symlinks = Set<String>()
        var seen = Set<String>()

        while offset + 512 <= bytes.count {
            let header = Array(bytes[offset..<(offset + 512)])
            if header.allSatisfy({ $0 == 0 }) { break }
            guard Self.checksumMatches(header) else {
                throw Refusal(reason: "it is not a tar archive, or it is damaged (bad header checksum at byte \(offset))")
            }
            let type = header[156]
            guard let size = Self.octal(header[124..<136]), size >= 0 else {
                throw Refusal(reason: "an entry has an unreadable size (at byte \(offset))")
            }
            let dataStart = offset + 512
            guard dataStart + size <= bytes.count else { throw Refusal(reason: "it ends in the middle of an entry") }
            let content = Data(bytes[dataStart..<(dataStart + size)])
            offset = dataStart + (size + 511) / 512 * 512

            switch type {
            case UInt8(ascii: "L"):
                longName = Self.string(content)
                continue
            case UInt8(ascii: "K"):
                longLink = Self.string(content)
                continue
            case UInt8(ascii: "x"):
                pax = Self.paxRecords(content)
                continue
            case UInt8(ascii: "g"):
                continue // Global pax headers carry nothing AME needs.
            default:
                break
            }

            var name = Self.string(header[0..<100])
            let magic = Self.string(header[257..<263])
            if magic.hasPrefix("ustar") {
                let prefix = Self.string(header[345..<500])
                if !prefix.isEmpty { name = prefix + "/" + name }
            }
            name = pax["path"] ?? longName ?? name
            let linkName = pax["linkpath"] ?? longLink ?? Self.string(header[157..<257])
            longName = nil
            longLink = nil
            pax = [:]

            guard let path = try Self.relativePath(name) else { continue } // "." itself
            for ancestor in Self.ancestors(of: path) where symlinks.contains(ancestor) {
                throw Refusal(reason: "'\(name)' would be written through the symbolic link '\(ancestor)'")
            }
            guard seen.insert(path).inserted else { throw Refusal(reason: "'\(name)' appears twice") }

            switch type {
            case 0, UInt8(ascii: "0"), UInt8(ascii: "7"):
                let mode = UInt32(Self.octal(header[100..<108]) ?? 0o644)
                entries.append(Entry(path: path, kind: .file(content, mode: mode)))
            case UInt8(ascii: "5"):
                entries.append(Entry(path: path, kind: .directory))
            case UInt8(ascii: "2"):
                try Self.checkLink(linkName, at: path, name: name)
                symlinks.insert(path)
                entries.append(Entry(path: path, kind: .symlink(linkName)))
            case UInt8(ascii: "1"):
                throw Refusal(reason: "'\(name)' is a hard link, which plugin archives may not contain")
            default:
                throw Refusal(reason: "'\(name)' is a device, a FIFO or another special file, which plugin archives may not contain")
            }
        }
    }

    /// `name` as a safe relative path, nil for the archive's root itself.
    static func relativePath(_ name: String) throws(Refusal) -> String? {
        if name.hasPrefix("/") { throw Refusal(reason: "'\(name)' is an absolute path") }
        var components: [String] = []
        for component in name.split(separator: "/", omittingEmptySubsequences: true) {
            if component == "." { continue }
            if component == ".." { throw Refusal(reason: "'\(name)' contains '..'") }
            components.append(String(component))
        }
        return components.isEmpty ? nil : components.joined(separator: "/")
    }

    /// A symbolic link must stay inside the archive's folder.
    static func checkLink(_ target: String, at path: String, name: String) throws(Refusal) {
        if target.isEmpty { throw Refusal(reason: "the symbolic link '\(name)' has no target") }
        if target.hasPrefix("/") { throw Refusal(reason: "the symbolic link '\(name)' points to the absolute path '\(target)'") }
        var depth = path.split(separator: "/").count - 1 // the link's folder
        for component in target.split(separator: "/", omittingEmptySubsequences: true) {
            if component == "." { continue }
            if component == ".." {
                depth -= 1
                if depth < 0 { throw Refusal(reason: "the symbolic link '\(name)' points outside the archive ('\(target)')") }
            } else {
                depth += 1
            }
        }
    }

    static func ancestors(of path: String) -> [String] {
        let parts = path.split(separator: "/").map(String.init)
        guard parts.count > 1 else { return [] }
        return (1..<parts.count).map { parts[0..<$0].joined(separator: "/") }
    }

    static func string(_ bytes: some Collection<UInt8>) -> String {
        let upToNull = bytes.prefix { $0 != 0 }
        return String(decoding: upToNull, as: UTF8.self)
    }

    static func string(_ data: Data) -> String {
        string([UInt8](data))
    }

    /// Octal numbers, space- or NUL-terminated; base-256 (GNU, for huge values) refused.
    static func octal(_ bytes: ArraySlice<UInt8>) -> Int? {
        guard let first = bytes.first, first & 0x80 == 0 else { return nil }
        let text = string(bytes).trimmingCharacters(in: .whitespaces)
        if text.isEmpty { return 0 }
        return Int(text, radix: 8)
    }

    static func checksumMatches(_ header: [UInt8]) -> Bool {
        guard let stored = octal(header[148..<156][...]) else { return false }
        var sum = 0
        for (index, byte) in header.enumerated() {
            sum += (148..<156).contains(index) ? 32 : Int(byte)
        }
        return sum == stored
    }

    /// pax records: "LENGTH key=value\n".
    static func paxRecords(_ data: Data) -> [String: String] {
        var records: [String: String] = [:]
        let text = String(decoding: data, as: UTF8.self)
        for line in text.split(separator: "\n") {
            guard let space = line.firstIndex(of: " ") else { continue }
            let record = line[line.index(after: space)...]
            guard let equals = record.firstIndex(of: "=") else { continue }
            records[String(record[..<equals])] = String(record[record.index(after: equals)...])
        }
        return records
    }
}
