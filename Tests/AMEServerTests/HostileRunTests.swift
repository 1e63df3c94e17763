import AMEClient
import AMECore
import AMESystem
import AMETestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Bob's runs attack the server and Alice's runs from inside, on a live `ame-server` with the
/// local executor. Each attack is tried twice: with `--unsafe-no-sandbox`, where it must
/// work (so the test can fail), and with the sandbox, where it must fail and leave Alice's
/// data as it was.
@Suite("Hostile runs on a shared server", .serialized, .enabled(if: TwoUserServer.bubblewrapInstalled, "needs bubblewrap (apt-get install bubblewrap; .ci/run installs it)"))
struct HostileRunTests {
    enum Mode: String, CaseIterable, CustomStringConvertible, Sendable {
        case unsafe, sandboxed
        var description: String { rawValue }
        var sandboxed: Bool { self == .sandboxed }
    }

    static func project(_ command: String, script: String, extra: [String: String] = [:], task: String = "attack",
                        fields: String = "") -> [String: String] {
        var files = ["ame.yaml": """
            projectname: hostile
            tasks:
              \(task):
                runcommand: \(command)
            \(fields)
            """, "attack.sh": script]
        files.merge(extra) { _, new in new }
        return files
    }

    // MARK: The server's own files

    @Test(arguments: Mode.allCases)
    func aRunCannotReadTheDataDirectory(mode: Mode) async throws {
        let server = try TwoUserServer(sandboxed: mode.sandboxed)
        let data = server.dataDirectory.path
        let key = try Data(contentsOf: server.dataDirectory.appendingPathComponent("secrets.key")).base64EncodedString()
        let result = try await server.run(server.bob, Self.project("sh attack.sh", script: """
            echo "key: $(base64 -w0 '\(data)/secrets.key')"
            echo "db: $(head -c 15 '\(data)/ame.sqlite')"
            echo "blobs: $(ls '\(data)/blobs/sha256' | wc -l)"
            """), task: "attack")
        let leaked = result.stdout.contains("key: \(key)") && result.stdout.contains("db: SQLite format 3")
        if mode.sandboxed {
            #expect(!leaked, "the sandboxed run read the data directory:\n\(result.stdout)")
            #expect(!result.stdout.contains(key))
        } else {
            #expect(leaked, "without the sandbox the attack should work (else this test proves nothing):\n\(result.stdout)\(result.stderr)")
        }
    }

    @Test(arguments: Mode.allCases)
    func aRunCannotMakeItselfAdmin(mode: Mode) async throws {
        let server = try TwoUserServer(sandboxed: mode.sandboxed)
        let forged = "ame_forged_" + UUID().uuidString.replacingOccurrences(of: "-", with: "")
        let script = """
            import hashlib, sqlite3, sys, time
            try:
                db = sqlite3.connect('\(server.dataDirectory.path)/ame.sqlite', timeout=30)
                db.execute("INSERT INTO tokens (id, user, admin, hash, created_at) VALUES ('tok_forged', 'bob', 1, ?, ?)",
                           (hashlib.sha256(b'\(forged)').hexdigest(), time.time()))
                db.commit()
                print('forged a token')
            except Exception as error:
                print('could not forge:', error)
            """
        let result = try await server.run(server.bob, Self.project("python3 attack.py", script: "", extra: ["attack.py": script]), task: "attack")
        var identity: Identity?
        do {
            identity = try await server.api(forged).whoami()
        } catch {}
        if mode.sandboxed {
            #expect(identity == nil, "the forged token works: \(String(describing: identity))\n\(result.stdout)")
        } else {
            #expect(identity?.admin == true, "without the sandbox the attack should work:\n\(result.stdout)\(result.stderr)")
        }
    }

    // MARK: Other users' runs

    @Test(arguments: Mode.allCases)
    func aRunCannotReachAnotherUsersRun(mode: Mode) async throws {
        let server = try TwoUserServer(sandboxed: mode.sandboxed)
        let secret = "alice-secret-" + UUID().uuidString
        let marker = "alice-marker-" + UUID().uuidString
        let set = try await server.alice.ame(["secret", "set", "apikey"], input: Data(secret.utf8))
        #expect(set.exitCode == 0, "\(set.stderr)")
        let alices = try await server.submit(server.alice, [
            "ame.yaml": """
                projectname: alice
                tasks:
                  long:
                    runcommand: echo \(marker) > marker.txt && sleep 17 && echo survived
                    secrets: [{name: apikey, envkey: API_KEY}]
                """,
        ], task: "long")
        _ = try await server.waitForRun(server.alice, alices) { $0.status == .running }
        try await Task.sleep(for: .seconds(1))
        let result = try await server.run(server.bob, Self.project("sh attack.sh", script: """
            echo "environ: $(cat /proc/[0-9]*/environ 2>/dev/null | tr '\\0' '\\n' | grep -a '^API_KEY=' | head -1)"
            echo "workspace: $(cat '\(server.dataDirectory.path)'/workspaces/*/marker.txt 2>/dev/null)"
            pkill -9 -f 'sleep 17' && echo "killed it"
            true
            """), task: "attack")
        let finished = try await server.waitForRun(server.alice, alices) { $0.status.isTerminal }
        let stole = result.stdout.contains("API_KEY=\(secret)")
        let read = result.stdout.contains("workspace: \(marker)")
        let killed = finished.status == .failed
        if mode.sandboxed {
            #expect(!stole, "bob read alice's secret from /proc:\n\(result.stdout)")
            #expect(!read, "bob read alice's workspace:\n\(result.stdout)")
            #expect(!killed, "bob killed alice's run: \(finished.reason ?? "")")
            #expect(finished.status == .succeeded)
        } else {
            #expect(stole && read && killed, "without the sandbox the attacks should work:\n\(result.stdout)\(result.stderr)\nalice: \(finished.status) \(finished.reason ?? "")")
        }
    }

    @Test(arguments: Mode.allCases)
    func aRunCannotChangeAStoredBlob(mode: Mode) async throws {
        let server = try TwoUserServer(sandboxed: mode.sandboxed)
        let content = "alice's input " + UUID().uuidString + "\n"
        let digest = Digest(bytes: sha256(Data(content.utf8)))
        let alicesProject: [String: String] = [
            "ame.yaml": "projectname: alice\ntasks:\n  show: {runcommand: cat input.txt}\n",
            "input.txt": content,
        ]
        let first = try await server.run(server.alice, alicesProject, task: "show")
        #expect(first.stdout.contains(content.trimmingCharacters(in: .newlines)))
        let blob = "\(server.dataDirectory.path)/blobs/sha256/\(digest.hex.prefix(2))/\(digest.hex)"
        _ = try await server.run(server.bob, Self.project("sh attack.sh", script: """
            chmod u+w '\(blob)' 2>/dev/null; echo 'import os; os.system("evil")' > '\(blob)' && echo "overwrote it"
            true
            """), task: "attack")
        let stored = (try? String(contentsOfFile: blob, encoding: .utf8)) ?? ""
        if mode.sandboxed {
            #expect(stored == content, "bob changed alice's stored file")
            let again = try await server.run(server.alice, alicesProject, task: "show")
            #expect(again.exitCode == 0)
            #expect(again.stdout.contains(content.trimmingCharacters(in: .newlines)))
        } else {
            #expect(stored != content, "without the sandbox the attack should work")
            // What still protects Alice: the blob no longer matches its digest, so it is
            // quarantined rather than laid out in her next run, which says so.
            let again = try await server.run(server.alice, alicesProject, task: "show")
            #expect(!again.stdout.contains("evil"))
            #expect(again.exitCode != 0)
            #expect((again.stdout + again.stderr).contains("quarantined"), "\(again.stdout)\(again.stderr)")
            // Run again: her file is uploaded anew and the run works.
            let healed = try await server.run(server.alice, alicesProject, task: "show")
            #expect(healed.exitCode == 0, "\(healed.stderr)")
            #expect(healed.stdout.contains(content.trimmingCharacters(in: .newlines)))
        }
    }

    // MARK: Limits

    @Test(arguments: Mode.allCases)
    func aRunLeavesNoProcessBehind(mode: Mode) async throws {
        let server = try TwoUserServer(sandboxed: mode.sandboxed)
        let marker = "orphan\(UInt32.random(in: 100_000...999_999))"
        defer { for pid in Self.processes(containing: marker) { kill(pid, SIGKILL) } }
        let result = try await server.run(server.bob, Self.project("sh attack.sh", script: """
            (setsid sh -c 'sleep 300; echo \(marker)' > /dev/null 2>&1 &)
            echo started
            """), task: "attack")
        #expect(result.exitCode == 0, "\(result.stderr)")
        try await Task.sleep(for: .seconds(2))
        let left = Self.processes(containing: marker)
        if mode.sandboxed {
            #expect(left.isEmpty, "processes outlived their run: \(left)")
        } else {
            #expect(!left.isEmpty, "without the sandbox a double-forked child should outlive its run")
        }
    }

    @Test(arguments: Mode.allCases)
    func aRunCannotForkWithoutLimit(mode: Mode) async throws {
        // Room in memory for 2,000 sleeping processes: the process limit is what must stop them.
        let server = try TwoUserServer(sandboxed: mode.sandboxed, config: "limits: {default_memory: 12Gi}\n")
        let result = try await server.run(server.bob, Self.project("sh attack.sh", script: """
            i=0
            while [ $i -lt 2000 ]; do
              sleep 30 &
              i=$((i + 1))
              [ $((i % 500)) -eq 0 ] && echo "forked $i"
            done
            kill $(jobs -p) 2>/dev/null
            true
            """), task: "attack", timeout: .seconds(300))
        if mode.sandboxed {
            #expect(!result.stdout.contains("forked 2000"), "the sandboxed run forked 2,000 processes:\n\(result.stdout)")
            #expect(!result.stdout.contains("forked 1500"))
        } else {
            #expect(result.stdout.contains("forked 2000"), "without the sandbox the fork bomb should work:\n\(result.stdout)\(result.stderr)")
        }
    }

    /// The storage limit holds with or without the sandbox: a step that asks for 64Mi is
    /// stopped when its files grow past it; the same step with no limit writes them all.
    @Test func storageIsEnforced() async throws {
        let server = try TwoUserServer(sandboxed: true)
        let script = """
            for i in 1 2 3 4 5 6; do dd if=/dev/zero of=fill$i bs=1M count=30 status=none || exit 9; sync; sleep 0.3; done
            echo "wrote 180 MiB"
            rm -f fill*
            """
        let files = Self.project("sh attack.sh", script: script, fields: """
              limited:
                runcommand: sh attack.sh
                resources: {storage: 64Mi}
            """)
        let unlimited = try await server.run(server.bob, files, task: "attack")
        #expect(unlimited.stdout.contains("wrote 180 MiB"), "the writes themselves should work:\n\(unlimited.stderr)")
        let limited = try await server.run(server.bob, files, task: "limited")
        #expect(!limited.stdout.contains("wrote 180 MiB"))
        #expect(limited.exitCode != 0)
        #expect(limited.stderr.contains("64Mi storage limit"), "\(limited.stdout)\(limited.stderr)")
    }

    /// A step that asks for no memory gets the server's default and is held to it; asking
    /// for more lets the same allocation through.
    @Test func aStepThatAsksForNoMemoryIsHeldToTheDefault() async throws {
        let server = try TwoUserServer(sandboxed: true, config: "limits: {default_memory: 256Mi}\n")
        let allocate = "x = bytearray(600 * 1024 * 1024)\nfor i in range(0, len(x), 4096): x[i] = 1\nprint('allocated 600 MiB')\n"
        let files = Self.project("python3 allocate.py", script: "", extra: ["allocate.py": allocate], fields: """
              asked:
                runcommand: python3 allocate.py
                resources: {memory: 2Gi}
            """)
        let asked = try await server.run(server.bob, files, task: "asked")
        #expect(asked.stdout.contains("allocated 600 MiB"), "the allocation itself should work:\n\(asked.stderr)")
        let defaulted = try await server.run(server.bob, files, task: "attack")
        #expect(!defaulted.stdout.contains("allocated 600 MiB"))
        #expect(defaulted.stderr.contains("256Mi memory limit"), "\(defaulted.stderr)")
    }

    // MARK: Helpers

    static func processes(containing marker: String) -> [Int32] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        return entries.compactMap { Int32($0) }.filter { pid in
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            return data.range(of: Data(marker.utf8)) != nil
        }
    }
}

/// SHA-256 through `sha256sum`, so the test does not trust the code it checks.
func sha256(_ data: Data) -> [UInt8] {
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("sha-\(UUID().uuidString)")
    try? data.write(to: file)
    defer { try? FileManager.default.removeItem(at: file) }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
    process.arguments = [file.path]
    let pipe = Pipe()
    process.standardOutput = pipe
    try? process.run()
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    let hex = output.prefix(64)
    return stride(from: 0, to: hex.count, by: 2).compactMap { offset in
        let start = hex.index(hex.startIndex, offsetBy: offset)
        return UInt8(hex[start..<hex.index(start, offsetBy: 2)], radix: 16)
    }
}
