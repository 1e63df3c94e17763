import AMESystem
import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension Sandbox {
    /// Starts `true` in a sandbox as a run's command would start, and says why that failed
    /// (bubblewrap refused, user namespaces are off, …); nil when it worked.
    public func probe() async -> String? {
        var view = SandboxView()
        view.maxProcesses = 64
        if startsAsRoot {
            // The probe's user: `nobody`, never one of AME's users.
            view.user = SandboxView.User(name: "nobody", uid: 65534, gid: 65534, passwdFile: nil, groupFile: nil)
        }
        var configuration = configuration(running: ["/bin/true"], environment: ["PATH": "/usr/bin:/bin"], in: view)
        configuration.standardOutput = .pipe
        configuration.standardError = .pipe
        let child: ChildProcess
        do {
            child = try ChildProcess.spawn(configuration)
        } catch {
            return "\(error)"
        }
        let output = Task.detached { () -> Data in
            var data = Data()
            if let handle = child.standardError {
                for await chunk in PipeReader.chunks(of: handle) { data.append(chunk) }
            }
            return data
        }
        let watchdog = Task.detached {
            try? await Task.sleep(for: .seconds(20))
            if !Task.isCancelled { child.sendToGroup(SIGKILL) }
        }
        let status = await child.waitForExit()
        watchdog.cancel()
        let message = String(decoding: await output.value, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard status.succeeded else {
            return message.isEmpty ? "\(bubblewrap) ended with \(status)" : message
        }
        return nil
    }
}
