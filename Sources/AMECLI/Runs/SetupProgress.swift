import Foundation

/// One step's environment build as `ame run` shows it on a terminal: the line saying which
/// environment (built or reused), then a single line updated in place with what the
/// installer is doing and the time so far, and at the end the build's time. Everything the
/// installer printed is kept, to be shown in full if the build fails; the run's log
/// (`ame logs RUN`) always has it all.
struct SetupProgress {
    /// Every byte of the setup output so far.
    private(set) var output = Data()
    /// What the updating line says.
    private(set) var phase = "preparing the Python environment"
    /// The build finished (or an environment was reused): nothing more to show.
    private(set) var isFinished = false
    let started: Date
    private var partialLine = Data()

    init(started: Date) {
        self.started = started
    }

    /// Takes a chunk of setup output; returns the lines to keep on screen (the environment's
    /// description, the build's time), in order.
    mutating func take(_ data: Data) -> [String] {
        output.append(data)
        partialLine.append(data)
        var permanent: [String] = []
        while let newline = partialLine.firstIndex(of: 0x0A) {
            let line = String(decoding: partialLine[partialLine.startIndex..<newline], as: UTF8.self)
            partialLine = Data(partialLine[partialLine.index(after: newline)...])
            // Progress redrawn with \r: only what was shown last.
            let shown = line.split(separator: "\r").last.map(String.init) ?? ""
            if let kept = read(shown.trimmingCharacters(in: .whitespaces)) { permanent.append(kept) }
        }
        return permanent
    }

    /// Updates the phase from one line; returns the line when it stays on screen.
    private mutating func read(_ line: String) -> String? {
        guard !line.isEmpty else { return nil }
        if line.hasPrefix("Building the ") {
            return line
        }
        if line.hasPrefix("Using the ") || line.hasPrefix("Built the environment") {
            isFinished = true
            return line
        }
        if line.hasPrefix("$ ") {
            let command = line.dropFirst(2)
            if command.contains(" venv ") || command.hasSuffix(" venv") {
                phase = "creating the virtual environment"
            } else if command.contains(" sync ") || command.contains("pip install") || command.contains("pipenv install") {
                phase = "resolving"
            } else if command.contains(" lock") {
                phase = "locking"
            } else if command.contains(" export ") {
                phase = "exporting the lock"
            } else if command.contains("env create") {
                phase = "creating the conda environment"
            }
            return nil
        }
        let lowered = line.lowercased()
        if line.hasPrefix("Installing ") && line.contains("AME's tool cache") {
            phase = line.components(separatedBy: " into ").first?.lowercased() ?? phase
        } else if line.hasPrefix("Waiting for another") {
            phase = "waiting for another run building the same environment"
        } else if line.hasPrefix("Resolved ") {
            phase = "resolved " + Self.count(in: line, default: "the") + " packages"
        } else if line.hasPrefix("Collecting ") {
            phase = "resolving: " + (line.dropFirst("Collecting ".count).split(separator: " ").first.map(String.init) ?? "")
        } else if line.hasPrefix("Downloading ") {
            phase = "downloading " + (line.dropFirst("Downloading ".count).split(separator: " ").first.map(String.init) ?? "")
        } else if line.hasPrefix("Prepared ") {
            phase = "downloaded " + Self.count(in: line, default: "the") + " packages"
        } else if line.hasPrefix("Installing collected packages") || lowered.hasPrefix("installing") {
            phase = "installing"
        } else if line.hasPrefix("Installed ") || line.hasPrefix("Successfully installed") {
            phase = "installed " + (line.hasPrefix("Installed ") ? Self.count(in: line, default: "the") + " packages"
                                                                  : "\(line.split(separator: " ").count - 2) packages")
        }
        return nil
    }

    /// The first number in `line` ("Resolved 25 packages in 1.2s" gives "25").
    private static func count(in line: String, default fallback: String) -> String {
        line.split(separator: " ").first { $0.allSatisfy(\.isNumber) }.map(String.init) ?? fallback
    }

    /// The updating line: phase and seconds so far.
    func statusLine(now: Date = Date()) -> String {
        "setup: \(phase) · \(Int(now.timeIntervalSince(started))) s"
    }
}
