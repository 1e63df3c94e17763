/// The parsed `ame.yaml`: the project's name, its tasks in file order, and its schedules.
///
/// Build one with `ProjectFile.parse(_:file:)` (or `ProjectFileDecoder` for the
/// diagnostics as well); every value was checked and every problem reported with its
/// line and column.
public struct ProjectFile: Hashable, Sendable, Codable {
    /// The conventional file name, looked up in a project directory.
    public static let fileName = "ame.yaml"

    public var projectName: String
    /// Tasks in the order the file lists them.
    public var tasks: [TaskSpec]
    public var recurringTasks: [RecurringTask]
    /// Where each value came from, keyed by its dotted path (`tasks.train.image`), so
    /// later checks (a remote one, say) can point at the line to fix.
    public var locations: [String: SourceLocation]

    public init(projectName: String, tasks: [TaskSpec] = [], recurringTasks: [RecurringTask] = [], locations: [String: SourceLocation] = [:]) {
        self.projectName = projectName
        self.tasks = tasks
        self.recurringTasks = recurringTasks
        self.locations = locations
    }

    public func task(named name: String) -> TaskSpec? {
        tasks.first { $0.name == name }
    }

    public var taskNames: [String] { tasks.map(\.name) }

    /// Parses and validates `source`; throws every problem found at once.
    public static func parse(_ source: String, file: String = ProjectFile.fileName) throws(DiagnosticsError) -> ProjectFile {
        let result = ProjectFileDecoder(source: source, file: file).decode()
        guard let project = result.project, result.errors.isEmpty else {
            throw DiagnosticsError(result.diagnostics)
        }
        return project
    }

    enum CodingKeys: String, CodingKey {
        case projectName = "projectname"
        case tasks
        case recurringTasks = "recurring_tasks"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        projectName = try container.decode(String.self, forKey: .projectName)
        tasks = try container.decode([TaskSpec].self, forKey: .tasks)
        recurringTasks = try container.decodeIfPresent([RecurringTask].self, forKey: .recurringTasks) ?? []
        locations = [:]
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(projectName, forKey: .projectName)
        try container.encode(tasks, forKey: .tasks)
        try container.encode(recurringTasks, forKey: .recurringTasks)
    }
}
