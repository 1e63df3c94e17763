import AMECore
import Foundation

/// Tracked projects and schedules: server-only (the embedded engine has no scheduler, as
/// nothing would keep running to fire it).
extension HTTPJobsAPI {
    struct ProjectList: Codable { var projects: [TrackedSource] }
    struct ScheduleList: Codable { var schedules: [ScheduleInfo] }
    struct FiringList: Codable { var firings: [ScheduleFiring] }

    public func trackProject(_ request: TrackRequest) async throws -> TrackedSource {
        try await call("POST", "/v1/projects", body: request)
    }

    public func listProjects() async throws -> [TrackedSource] {
        let list: ProjectList = try await call("GET", "/v1/projects")
        return list.projects
    }

    /// `reference`: the project's id or name.
    @discardableResult
    public func untrackProject(_ reference: String) async throws -> TrackedSource {
        try await call("DELETE", "/v1/projects/\(Self.escape(reference))")
    }

    public func listSchedules() async throws -> [ScheduleInfo] {
        let list: ScheduleList = try await call("GET", "/v1/schedules")
        return list.schedules
    }

    public func runSchedule(source: String, name: String) async throws -> ScheduleFiring {
        try await call("POST", "/v1/schedules/\(Self.escape(source))/\(Self.escape(name))/run")
    }

    public func scheduleHistory(source: String, name: String, limit: Int = 50) async throws -> [ScheduleFiring] {
        let list: FiringList = try await call("GET", "/v1/schedules/\(Self.escape(source))/\(Self.escape(name))/history",
                                              query: [URLQueryItem(name: "limit", value: String(limit))])
        return list.firings
    }

    public func pushSchedules(_ request: PushRequest) async throws -> PushResult {
        try await call("POST", "/v1/schedules/push", body: request)
    }
}
