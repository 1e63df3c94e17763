import Yams

/// Reads `ame.yaml` text into a `ProjectFile`, collecting every problem with its position.
///
/// Works on Yams' node tree rather than `Codable` so that each value keeps its line and
/// column, duplicate keys are seen, and one mistake does not hide the next.
public struct ProjectFileDecoder: Sendable {
    public struct Result: Sendable {
        /// Nil only when the text is not YAML at all or not a mapping.
        public var project: ProjectFile?
        /// Errors and warnings, in file order.
        public var diagnostics: [Diagnostic]

        public var errors: [Diagnostic] { diagnostics.filter { $0.severity == .error } }
        public var isValid: Bool { project != nil && errors.isEmpty }
    }

    public static let maximumSize = 4 * 1024 * 1024
    /// Aliases can make a small file expand enormously; stop well before that hurts.
    static let maximumNodes = 200_000
    /// How deeply lists and mappings may nest; real project files use fewer than ten levels.
    public static let maximumDepth = 100

    public let source: String
    public let file: String

    public init(source: String, file: String = ProjectFile.fileName) {
        self.source = source
        self.file = file
    }

    public func decode() -> Result {
        let session = DecodingSession(file: file, source: source)
        let project = session.decodeDocument()
        var diagnostics = session.diagnostics
        if let project {
            var checked = project
            checked.recurringTasks += session.invalidSchedules
            diagnostics += ReferenceValidator(project: checked, file: file).validate()
        }
        diagnostics.sort()
        return Result(project: project, diagnostics: Self.unique(diagnostics))
    }

    private static func unique(_ diagnostics: [Diagnostic]) -> [Diagnostic] {
        var seen = Set<Diagnostic>()
        return diagnostics.filter { seen.insert($0).inserted }
    }
}
