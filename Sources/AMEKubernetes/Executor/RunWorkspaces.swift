import AMECore
import Foundation

/// The files each step of a run starts from: the uploaded project, with what earlier steps
/// produced laid over it (on the local executor, steps share one directory; here each Pod
/// gets its own, so the overlay stands in for it).
actor RunWorkspaces {
    private var outputs: [String: [String: Manifest.Entry]] = [:]

    /// The project's manifest with every output recorded so far for `runID` applied.
    func manifest(runID: String, base: Manifest) -> Manifest {
        guard let overlay = outputs[runID], !overlay.isEmpty else { return base }
        var entries: [String: Manifest.Entry] = [:]
        for entry in base.entries { entries[entry.path] = entry }
        for (path, entry) in overlay.sorted(by: { $0.key < $1.key }) {
            // A file where a folder was (or the reverse) replaces what was there.
            entries = entries.filter { !$0.key.hasPrefix(path + "/") && !path.hasPrefix($0.key + "/") }
            entries[path] = entry
        }
        return Manifest(entries: Array(entries.values))
    }

    func record(runID: String, outputs manifest: Manifest) {
        var overlay = outputs[runID] ?? [:]
        for entry in manifest.entries { overlay[entry.path] = entry }
        outputs[runID] = overlay
    }

    func forget(runID: String) {
        outputs[runID] = nil
    }
}
