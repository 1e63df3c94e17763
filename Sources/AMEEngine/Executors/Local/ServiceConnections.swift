import Foundation

/// Counts established TCP connections to local ports, from `/proc/net/tcp{,6}`: how the
/// engine tells an idle service (nobody connected) from a busy one.
enum ServiceConnections {
    static func established(toPorts ports: [Int]) -> Int {
        guard !ports.isEmpty else { return 0 }
        let wanted = Set(ports)
        var count = 0
        for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
            guard let text = try? String(contentsOfFile: table, encoding: .utf8) else { continue }
            for line in text.split(separator: "\n").dropFirst() {
                let fields = line.split(separator: " ", omittingEmptySubsequences: true)
                // fields: sl local_address rem_address st …; state 01 is ESTABLISHED.
                guard fields.count > 3, fields[3] == "01",
                      let colon = fields[1].lastIndex(of: ":"),
                      let port = Int(fields[1][fields[1].index(after: colon)...], radix: 16) else { continue }
                if wanted.contains(port) { count += 1 }
            }
        }
        return count
    }
}
