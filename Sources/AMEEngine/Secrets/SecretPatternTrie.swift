/// The byte strings a `SecretMasker` hides, as a trie: walking it along the output tells at
/// once whether what was seen so far could still become a secret and where a secret ends.
struct SecretPatternTrie: Sendable {
    /// Child of the root for each byte, or -1: the hot path, taken for every byte of output.
    private var rootChildren = [Int32](repeating: -1, count: 256)
    /// The first child of each other node and the byte leading to it (-1: none). Below the
    /// root, secrets rarely branch, so this one edge is nearly always the only one.
    private var firstChildByte: [UInt8] = [0]
    private var firstChild: [Int32] = [-1]
    /// Further children, keyed by `node << 8 | byte`.
    private var otherChildren: [Int: Int32] = [:]
    /// For each node: whether a pattern ends there.
    private var terminal: [Bool] = [false]

    static let root: Int32 = 0

    init(patterns: [[UInt8]]) {
        for pattern in patterns where !pattern.isEmpty {
            var node = Self.root
            for byte in pattern {
                if let child = child(of: node, byte) {
                    node = child
                    continue
                }
                let child = Int32(terminal.count)
                terminal.append(false)
                firstChild.append(-1)
                firstChildByte.append(0)
                if node == Self.root {
                    rootChildren[Int(byte)] = child
                } else if firstChild[Int(node)] < 0 {
                    firstChild[Int(node)] = child
                    firstChildByte[Int(node)] = byte
                } else {
                    otherChildren[Int(node) << 8 | Int(byte)] = child
                }
                node = child
            }
            terminal[Int(node)] = true
        }
    }

    var isEmpty: Bool { terminal.count == 1 }

    /// The first index from `start` on whose byte starts some pattern, or `bytes.count`.
    func firstPossibleStart(in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        rootChildren.withUnsafeBufferPointer { table in
            var index = start
            while index < bytes.count && table[Int(bytes[index])] < 0 { index += 1 }
            return index
        }
    }

    @inline(__always)
    func child(of node: Int32, _ byte: UInt8) -> Int32? {
        if node == Self.root {
            let child = rootChildren[Int(byte)]
            return child >= 0 ? child : nil
        }
        let first = firstChild[Int(node)]
        if first >= 0 && firstChildByte[Int(node)] == byte { return first }
        return otherChildren.isEmpty ? nil : otherChildren[Int(node) << 8 | Int(byte)]
    }

    func isTerminal(_ node: Int32) -> Bool { terminal[Int(node)] }

    /// Whether any pattern continues past `node`.
    func continues(_ node: Int32) -> Bool {
        node == Self.root || firstChild[Int(node)] >= 0
    }
}
