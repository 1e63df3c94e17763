import AMEEngine
import Foundation
import ServiceLifecycle

/// Polls tracked repositories whose interval has passed and fires due schedules, every
/// `interval`. The rules live in the engine's `RecurringScheduler`; this only keeps time.
struct SchedulerService: Service {
    let scheduler: RecurringScheduler
    let interval: Duration

    func run() async throws {
        // Firings recorded by a server that died before starting their run: never rerun.
        scheduler.recoverInterruptedFirings()
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            await scheduler.pollDueSources()
            await scheduler.tick()
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return
            }
        }
    }
}
