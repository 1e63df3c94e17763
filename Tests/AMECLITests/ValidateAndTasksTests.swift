import AMECore
import AMETestSupport
import Foundation
import Testing

@Suite("ame validate and ame tasks")
struct ValidateAndTasksTests {
    static let valid = """
        projectname: bestproject
        recurring_tasks:
          daily_training:
            taskref: main
            schedule: 0 12 * * *
        tasks:
          download_data:
            runcommand: python downloaddata.py
            resources: {cpu: 2, memory: 8Gi}
          main:
            pipeline:
              prepare: {runcommand: python prepare.py}
              train:
                runcommand: python train.py
                resources: {gpus: 1, vram: 24Gi}

        """

    static let invalid = """
        projectname: demo
        recurring_tasks:
          nightly:
            taskref: trian
            schedule: 0 25 * * *
        tasks:
          train:
            runcomand: python train.py
            resources:
              memory: 8Gb

        """

    static let invalidErrors = [
        "ame.yaml:4:14: error: schedule 'nightly' refers to task 'trian', which does not exist",
        "ame.yaml:5:17: error: invalid cron expression '0 25 * * *' in schedule 'nightly': 25 is out of range for the hour field (0-23)",
        "ame.yaml:8:5: error: unknown key 'runcomand' in task 'train'",
        "ame.yaml:10:15: error: 'memory' of task 'train' has an unknown unit 'Gb' in '8Gb'",
    ]

    @Test("a secret a task names that is not set: a warning naming it and its variable, as for storage secrets")
    func missingOrdinarySecret() async throws {
        let project = try Project("""
            projectname: secrets
            tasks:
              train:
                runcommand: python train.py
                secrets: {name: hf_token, envkey: HF_TOKEN}

            """)
        let result = await project.run(["validate"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("warning: task 'train' needs the secret 'hf_token' for $HF_TOKEN, which is not set"), "\(result.stderr)")
        #expect(result.stderr.contains("hint: set it with 'ame secret set hf_token'"), "\(result.stderr)")
        let json = try jsonObject((await project.run(["validate", "--json"])).stdout)
        let missing = try #require(json["missingSecrets"] as? [[String: Any]])
        #expect(missing.first?["secret"] as? String == "hf_token")
        #expect(missing.first?["usedFor"] as? String == "$HF_TOKEN")
    }

    @Test("a valid file: exit 0 and a summary")
    func validFile() async throws {
        let project = try Project(Self.valid)
        let result = await project.run(["validate"])
        #expect(result.status == 0)
        #expect(result.stdout == "✓ ame.yaml is valid: project 'bestproject', 2 tasks, 1 schedule\n")
        #expect(result.stderr.isEmpty)
    }

    @Test("an invalid file: exit 1 and every problem as file:line:column: error:")
    func invalidFile() async throws {
        let project = try Project(Self.invalid)
        let result = await project.run(["validate"])
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        let errorLines = result.stderr.split(separator: "\n").filter { $0.hasPrefix("ame.yaml:") }.map(String.init)
        #expect(errorLines == Self.invalidErrors)
        // Each comes with the line, a caret and the hint.
        #expect(result.stderr.contains("   |     taskref: trian\n   |              ^\n  hint: did you mean 'train'?"))
        #expect(result.stderr.contains("  hint: did you mean 'runcommand'?"))
        #expect(result.stderr.hasSuffix("4 errors found\n"))
    }

    @Test("--json on an invalid file: valid false and the diagnostics")
    func invalidJSON() async throws {
        let project = try Project(Self.invalid)
        let result = await project.run(["validate", "--json"])
        #expect(result.status == 1)
        let object = try jsonObject(result.stdout)
        #expect(object["valid"] as? Bool == false)
        #expect(object["errors"] as? Int == 4)
        #expect(object["file"] as? String == "ame.yaml")
        #expect(object["project"] == nil)
        let diagnostics = try #require(object["diagnostics"] as? [[String: Any]])
        #expect(diagnostics.count == 4)
        let first = try #require(diagnostics.first)
        #expect(first["severity"] as? String == "error")
        #expect(first["message"] as? String == "schedule 'nightly' refers to task 'trian', which does not exist")
        #expect(first["hint"] as? String == "did you mean 'train'?")
        let location = try #require(first["location"] as? [String: Any])
        #expect(location["line"] as? Int == 4)
        #expect(location["column"] as? Int == 14)
    }

    @Test("--json on a valid file: valid true and the project")
    func validJSON() async throws {
        let project = try Project(Self.valid)
        let result = await project.run(["validate", "--json"])
        #expect(result.status == 0)
        let object = try jsonObject(result.stdout)
        #expect(object["valid"] as? Bool == true)
        #expect(object["errors"] as? Int == 0)
        #expect((object["diagnostics"] as? [Any])?.isEmpty == true)
        let parsed = try #require(object["project"] as? [String: Any])
        #expect(parsed["projectname"] as? String == "bestproject")
    }

    @Test("no ame.yaml: exit 1 and how to make one")
    func missingFile() async throws {
        let project = try Project()
        let result = await project.run(["validate"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("no ame.yaml found"))
        #expect(result.stderr.contains("ame create project"))
    }

    @Test("a file that is not UTF-8 is refused by the loader, not the parser")
    func invalidUTF8() async throws {
        let project = try Project()
        try Data([0x70, 0x72, 0x6F, 0x6A, 0x3A, 0x20, 0xFF, 0xFE, 0xC3, 0x28, 0x0A]).write(to: project.directory.file("ame.yaml"))
        let result = await project.run(["validate"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("error: ame.yaml is not UTF-8 text"))
        #expect(result.stderr.contains("hint: save it as UTF-8"))
        for command in [["tasks"], ["create", "task", "x", "--command", "y"]] {
            let other = await project.run(command)
            #expect(other.status == 1)
            #expect(other.stderr.contains("is not UTF-8 text"))
        }
    }

    @Test("NUL bytes and deep nesting through the CLI: an error, not a crash")
    func nastyFilesThroughTheCLI() async throws {
        let project = try Project("projectname: demo\u{0}\ntasks:\n")
        let result = await project.run(["validate"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("ame.yaml:1:18: error: the file is not valid text: control characters are not allowed"))
        try project.directory.write("ame.yaml", "projectname: demo\ntasks: " + String(repeating: "[", count: 20_000) + "\n")
        let deep = await project.run(["validate"])
        #expect(deep.status == 1)
        #expect(deep.stderr.contains("ame.yaml:2:"))
        #expect(deep.stderr.contains("more than 100 levels deep"))
    }

    @Test("--file and --dir choose the project")
    func fileAndDir() async throws {
        let project = try Project()
        try project.directory.write("elsewhere/custom.yaml", Self.valid)
        try project.directory.write("other/ame.yaml", Self.invalid)
        #expect(await project.run(["validate", "--file", "elsewhere/custom.yaml"]).status == 0)
        let other = await project.run(["validate", "--dir", "other"])
        #expect(other.status == 1)
        #expect(other.stderr.contains("other/ame.yaml:4:14: error:"))
    }

    @Test("ame tasks --json lists tasks, steps and schedules")
    func tasksJSON() async throws {
        let project = try Project(Self.valid)
        let result = await project.run(["tasks", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try jsonObject(result.stdout)
        #expect(object["projectName"] as? String == "bestproject")
        let tasks = try #require(object["tasks"] as? [[String: Any]])
        #expect(tasks.compactMap { $0["name"] as? String } == ["download_data", "main"])
        #expect(tasks[0]["runCommand"] as? String == "python downloaddata.py")
        let resources = try #require(tasks[0]["resources"] as? [String: Any])
        #expect(resources["cpu"] as? String == "2")
        #expect(resources["memory"] as? String == "8Gi")
        let steps = try #require(tasks[1]["pipeline"] as? [[String: Any]])
        #expect(steps.compactMap { $0["name"] as? String } == ["prepare", "train"])
        #expect((steps[1]["resources"] as? [String: Any])?["gpus"] as? Int == 1)

        let schedules = try #require(object["recurringTasks"] as? [[String: Any]])
        #expect(schedules.count == 1)
        #expect(schedules[0]["name"] as? String == "daily_training")
        #expect(schedules[0]["taskRef"] as? String == "main")
        #expect(schedules[0]["schedule"] as? String == "0 12 * * *")
        let next = try #require((schedules[0]["nextFiring"] as? String).flatMap(ISO8601DateFormatter().date(from:)))
        #expect(next > Date())
        #expect(next.timeIntervalSinceNow <= 86_400)
        #expect(Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: next).hour == 12)
    }

    @Test("ame tasks prints a table of tasks and steps")
    func tasksTable() async throws {
        let project = try Project(Self.valid)
        let result = await project.run(["tasks"])
        #expect(result.status == 0, "\(result.stderr)")
        for text in ["TASK", "download_data", "python downloaddata.py", "cpu 2, memory 8Gi", "pipeline: prepare → train",
                     "└─ train", "gpus 1, vram 24Gi", "daily_training", "0 12 * * *"] {
            #expect(result.stdout.contains(text), "missing '\(text)' in:\n\(result.stdout)")
        }
    }

    @Test("ame tasks on an invalid file reports the problems and exits 1")
    func tasksInvalid() async throws {
        let project = try Project(Self.invalid)
        let result = await project.run(["tasks", "--json"])
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("ame.yaml:8:5: error: unknown key 'runcomand'"))
    }
}
