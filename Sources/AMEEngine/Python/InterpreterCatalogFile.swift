import AMECore
import AMESystem
import Crypto
import Foundation

/// The last discovery's whole answer on disk, for the next process (every run agent is one):
/// discovery lists every `PATH` directory (`/usr/bin` alone holds a thousand names), which
/// costs a few milliseconds a run; reading this file costs a stat per interpreter.
///
/// Valid while the discovery key (settings and the modification times of every place looked
/// in, `PythonInterpreterCatalog.cacheKey`) is the same and each interpreter's binary still
/// has the size, mtime and inode it had; anything else means discovering again.
struct InterpreterCatalogFile {
    let file: URL?

    init(directory: URL?) {
        file = directory?.appendingPathComponent("python-catalog.tsv")
    }

    static func digest(of key: String) -> String {
        Hex.encode(SHA256.hash(data: Data(key.utf8)))
    }

    func load(key: String) -> PythonInterpreterCatalog? {
        guard let file, let text = try? String(contentsOf: file, encoding: .utf8) else { return nil }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard let header = lines.first, header == "ame-python-catalog-1\t\(Self.digest(of: key))" else { return nil }
        lines.removeFirst()
        var interpreters: [PythonInterpreter] = []
        for line in lines where !line.isEmpty {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 3, PythonVersion(fields[2]) != nil,
                  InterpreterVersionCache.identity(of: fields[0]) == fields[1] else { return nil }
            interpreters.append(PythonInterpreter(path: fields[0], version: fields[2]))
        }
        return PythonInterpreterCatalog(interpreters: interpreters)
    }

    func save(_ catalog: PythonInterpreterCatalog, key: String) {
        guard let file else { return }
        var text = "ame-python-catalog-1\t\(Self.digest(of: key))\n"
        for interpreter in catalog.interpreters {
            guard let identity = InterpreterVersionCache.identity(of: interpreter.path) else { return }
            text += "\(interpreter.path)\t\(identity)\t\(interpreter.version)\n"
        }
        try? AtomicFile.write(Data(text.utf8), to: file)
    }
}
