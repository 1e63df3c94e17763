import Foundation

/// Replaces secret values by `***` in a stream of output, one masker per stream.
///
/// A secret split across chunks (down to one byte per chunk) is still masked, yet output is
/// held back only while it could be the start of a secret: what a chunk returns is everything
/// except the longest undecided suffix that is a prefix of some secret. Where secrets overlap,
/// the one starting first wins, and of those the longest (so `password` is masked whole, not as
/// `***word` because `pass` is a secret too).
///
/// A multi-line secret is also masked line by line (lines of 4 bytes or more), since programs
/// often print such values a line at a time or with other line endings.
public struct SecretMasker: Sendable {
    private static let mask: [UInt8] = Array("***".utf8)
    private static let minimumLineLength = 4

    private let trie: SecretPatternTrie
    /// Output not yet decided: always a prefix of some secret.
    private var pending: [UInt8] = []
    /// The trie node reached by `pending`.
    private var node = SecretPatternTrie.root
    /// Length of the longest secret that `pending` starts with (0: none).
    private var matchLength = 0

    /// Empty values are ignored.
    public init(secrets: [Data]) {
        var patterns: [[UInt8]] = []
        for secret in secrets where !secret.isEmpty {
            let bytes = [UInt8](secret)
            patterns.append(bytes)
            guard bytes.contains(0x0A) else { continue }
            for line in bytes.split(separator: 0x0A) {
                var line = Array(line)
                if line.last == 0x0D { line.removeLast() }
                if line.count >= Self.minimumLineLength { patterns.append(line) }
            }
        }
        trie = SecretPatternTrie(patterns: patterns)
    }

    /// The masked output that can be released after `chunk`.
    public mutating func process(_ chunk: Data) -> Data {
        if trie.isEmpty { return chunk }
        let trie = self.trie
        var index = 0
        if pending.isEmpty {
            index = chunk.withUnsafeBytes { trie.firstPossibleStart(in: $0.bindMemory(to: UInt8.self), from: 0) }
            // Most output starts no secret at all: hand it back as it is.
            if index == chunk.count { return chunk }
        }
        // An array, not Data, and no closure around the loop: both cost dearly per byte.
        let bytes = [UInt8](chunk)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count + 16)
        output.append(contentsOf: bytes[0..<index])
        while index < bytes.count {
            if pending.isEmpty {
                // Copy runs of output that cannot start a secret in one go.
                let start = index
                let end = bytes.withUnsafeBufferPointer { trie.firstPossibleStart(in: $0, from: start) }
                output.append(contentsOf: bytes[index..<end])
                index = end
                if index == bytes.count { break }
            }
            feed(bytes[index], into: &output)
            index += 1
        }
        return Data(output)
    }

    /// Everything still held back, masked: call at the end of the stream.
    public mutating func flush() -> Data {
        var output: [UInt8] = []
        while !pending.isEmpty {
            let rest = decideFirst(into: &output)
            for byte in rest { feed(byte, into: &output) }
        }
        return Data(output)
    }

    /// Takes one byte of output, releasing whatever becomes decided.
    private mutating func feed(_ first: UInt8, into output: inout [UInt8]) {
        var byte = first
        // Bytes to look at again after a decision, from `replayIndex` on.
        var replay: [UInt8] = []
        var replayIndex = 0
        while true {
            if let child = trie.child(of: node, byte) {
                pending.append(byte)
                node = child
                if trie.isTerminal(child) { matchLength = pending.count }
                if !trie.continues(child) {
                    // A whole secret, and no longer one can start here.
                    output.append(contentsOf: Self.mask)
                    reset()
                }
            } else if pending.isEmpty {
                output.append(byte)
            } else {
                // The pending bytes cannot grow into a longer secret: decide where they start,
                // then look at the rest, and this byte, again from the root.
                let rest = decideFirst(into: &output)
                guard !rest.isEmpty else { continue }
                replay = rest + [byte] + replay[replayIndex...]
                replayIndex = 0
            }
            guard replayIndex < replay.count else { return }
            byte = replay[replayIndex]
            replayIndex += 1
        }
    }

    /// Releases the first pending position (the longest secret starting there, masked, or its
    /// byte as is) and returns the pending bytes after it, with the state reset.
    private mutating func decideFirst(into output: inout [UInt8]) -> [UInt8] {
        let decided: Int
        if matchLength > 0 {
            output.append(contentsOf: Self.mask)
            decided = matchLength
        } else {
            output.append(pending[0])
            decided = 1
        }
        let rest = Array(pending[decided...])
        reset()
        return rest
    }

    private mutating func reset() {
        pending.removeAll(keepingCapacity: true)
        node = SecretPatternTrie.root
        matchLength = 0
    }
}
