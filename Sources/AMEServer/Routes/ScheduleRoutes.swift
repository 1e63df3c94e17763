import AMECore
import AMEEngine
import Foundation
import Hummingbird

/// `/v1/schedules`: the caller's registered schedules with their next firing, firing one
/// now, its history, and registering an uploaded project's `recurring_tasks` (push).
enum ScheduleRoutes {
    struct ScheduleList: Codable { var schedules: [ScheduleInfo] }
    struct FiringList: Codable { var firings: [ScheduleFiring] }

    static func add(to group: RouterGroup<AMERequestContext>, state: ServerState) {
        group.get("schedules") { _, context in
            let caller = try context.requireCaller()
            let schedules = try state.scheduler.store.schedules(owner: caller.user, now: state.scheduler.clock.now())
            return try JSONResponse.make(ScheduleList(schedules: schedules))
        }

        group.post("schedules/push") { request, context in
            let caller = try context.requireCaller()
            var request = request
            let body = try await request.decodeJSON(PushRequest.self, limit: 48 << 20)
            return try JSONResponse.make(try state.scheduler.push(body, owner: caller.user), status: .created)
        }

        group.post("schedules/{source}/{name}/run") { _, context in
            let caller = try context.requireCaller()
            let firing = try await state.scheduler.runNow(try reference(context), owner: caller.user)
            return try JSONResponse.make(firing, status: .created)
        }

        group.get("schedules/{source}/{name}/history") { request, context in
            let caller = try context.requireCaller()
            let schedule = try state.scheduler.store.schedule(owner: caller.user, reference: try reference(context))
            var limit = 50
            if let value = try RunRoutes.integer(request, "limit") {
                guard (1...1000).contains(value) else { throw APIError(.invalidRequest, "'limit' must be between 1 and 1000") }
                limit = Int(value)
            }
            return try JSONResponse.make(FiringList(firings: try state.scheduler.store.history(schedule, limit: limit)))
        }
    }

    static func reference(_ context: AMERequestContext) throws -> String {
        "\(context.parameters.get("source") ?? "")/\(context.parameters.get("name") ?? "")"
    }
}
