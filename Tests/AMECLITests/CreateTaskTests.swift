import AMECore
import AMETestSupport
import Foundation
import Testing

@Suite("ame create task")
struct CreateTaskTests {
    /// A project with comments, blank lines, a flow mapping and a section after 'tasks':
    /// everything `create task` must leave exactly as it is.
    static let existing = """
        # The project file of the demo.
        projectname: demo   # named after the repository

        tasks:
          # Runs first.
          prepare:
            runcommand: python prepare.py   # keep this comment
            resources: {cpu: 1, memory: 2Gi}

          evaluate:
            runcommand: 'python evaluate.py --split "test"'
        # Schedules come after the tasks.
        recurring_tasks:
          nightly:
            taskref: evaluate
            schedule: "@daily"

        """

    static let trainFlags = [
        "create", "task", "train",
        "--command", "python train.py --epochs 3 --name 'run: 1'",
        "--cpu", "2", "--memory", "8Gi", "--gpus", "1",
        "--env", "MODE=fast", "--env", "SEED=42", "--env", "URL=http://host:8080/a?b=c#d",
        "--secret", "storage:STORAGE_SECRET", "--secret", "apitoken",
    ]

    static func expectedTrain() throws -> TaskSpec {
        TaskSpec(
            name: "train",
            runCommand: "python train.py --epochs 3 --name 'run: 1'",
            secrets: [SecretRef(name: "storage", envKey: "STORAGE_SECRET"), SecretRef(name: "apitoken", envKey: "apitoken")],
            env: [EnvVar(key: "MODE", value: "fast"), EnvVar(key: "SEED", value: "42"), EnvVar(key: "URL", value: "http://host:8080/a?b=c#d")],
            resources: Resources(cpu: try Quantity(parsing: "2"), memory: try Quantity(parsing: "8Gi"), gpus: 1))
    }

    /// Checks that only a block for `name` was added to the tasks section, after the last
    /// task, and that every other byte of the file is untouched.
    static func expectOnlyInserted(_ name: String, before: String, after: String) {
        guard let block = insertedBlock(before: before, after: after) else {
            Issue.record("the file changed outside one inserted block:\n\(after)")
            return
        }
        #expect(block.lines.first == "  \(name):")
        #expect(block.lines.dropFirst().allSatisfy { $0.hasPrefix("    ") }, "\(block.lines)")
        // After the last line of 'evaluate', before the comment that opens the next section.
        let lines = before.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines[block.index - 1] == "    runcommand: 'python evaluate.py --split \"test\"'")
        #expect(lines[block.index] == "# Schedules come after the tasks.")
    }

    @Test("with flags: the task reads back exactly as asked, the rest of the file untouched")
    func createWithFlags() async throws {
        let project = try Project(Self.existing)
        let result = await project.run(Self.trainFlags)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("Added task 'train' (command) to ame.yaml"))
        let after = try project.ameYAML()
        let parsed = try ProjectFile.parse(after)
        #expect(parsed.task(named: "train") == (try Self.expectedTrain()))
        #expect(parsed.taskNames == ["prepare", "evaluate", "train"])
        // The tasks that were there are unchanged too.
        let original = try ProjectFile.parse(Self.existing)
        #expect(parsed.task(named: "prepare") == original.task(named: "prepare"))
        #expect(parsed.task(named: "evaluate") == original.task(named: "evaluate"))
        #expect(parsed.recurringTasks == original.recurringTasks)
        Self.expectOnlyInserted("train", before: Self.existing, after: after)
        // And the file still validates.
        #expect(await project.run(["validate"]).status == 0)
    }

    @Test("a pipeline from --step flags keeps the steps in order")
    func createPipelineWithFlags() async throws {
        let project = try Project(Self.existing)
        let result = await project.run([
            "create", "task", "main", "--step", "a=python a.py", "--step", "b=python b.py --flag: x", "--memory", "4Gi",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("pipeline of 2 steps"))
        let after = try project.ameYAML()
        let main = try #require(try ProjectFile.parse(after).task(named: "main"))
        #expect(main == TaskSpec(
            name: "main",
            resources: Resources(memory: try Quantity(parsing: "4Gi")),
            pipeline: [TaskSpec(name: "a", runCommand: "python a.py"), TaskSpec(name: "b", runCommand: "python b.py --flag: x")]))
        Self.expectOnlyInserted("main", before: Self.existing, after: after)
    }

    @Test("the wizard on a terminal builds the same task as the flags")
    func interactiveCommand() async throws {
        let project = try Project(Self.existing)
        let terminal = TestTerminal(interactive: true, answers: [
            "1",                                            // kind: single command
            "python train.py --epochs 3 --name 'run: 1'",   // command
            "2",                                            // cpu
            "8Gb",                                          // memory: refused...
            "8Gi",                                          // ...and asked again
            "1",                                            // gpus
            "MODE=fast", "SEED=42", "URL=http://host:8080/a?b=c#d", "",
            "storage:STORAGE_SECRET", "apitoken", "",
        ])
        let result = await project.run(["create", "task", "train"], terminal: terminal)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(terminal.unusedAnswers.isEmpty)
        #expect(terminal.prompts.filter { $0.contains("Memory") }.count == 2)
        #expect(result.stderr.contains("unknown unit 'Gb' in '8Gb'"))
        #expect(result.stderr.contains("did you mean '8Gi'?"))
        let after = try project.ameYAML()
        #expect(try ProjectFile.parse(after).task(named: "train") == (try Self.expectedTrain()))
        Self.expectOnlyInserted("train", before: Self.existing, after: after)

        // The same task created with flags gives the same file.
        let viaFlags = try Project(Self.existing)
        #expect(await viaFlags.run(Self.trainFlags).status == 0)
        #expect(try viaFlags.ameYAML() == after)
    }

    @Test("the wizard asks for the name when it is not given, and builds a pipeline")
    func interactivePipeline() async throws {
        let project = try Project(Self.existing)
        let terminal = TestTerminal(interactive: true, answers: [
            "prepare",          // task name: taken...
            "main",             // ...so asked again
            "2",                // kind: pipeline
            "a", "python a.py", "", "", "",     // step a: command, cpu, memory, gpus
            "b", "python b.py", "", "", "",     // step b
            "",                 // no third step
            "", "4Gi", "",      // the task: cpu, memory, gpus
            "",                 // no env
            "",                 // no secrets
        ])
        let result = await project.run(["create", "task"], terminal: terminal)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(terminal.unusedAnswers.isEmpty)
        #expect(result.stderr.contains("a task named 'prepare' already exists"))
        let main = try #require(try project.parsed().task(named: "main"))
        #expect(main == TaskSpec(
            name: "main",
            resources: Resources(memory: try Quantity(parsing: "4Gi")),
            pipeline: [TaskSpec(name: "a", runCommand: "python a.py"), TaskSpec(name: "b", runCommand: "python b.py")]))
        Self.expectOnlyInserted("main", before: Self.existing, after: try project.ameYAML())
    }

    @Test("without a terminal and without --command it fails with exit 2 naming the flag")
    func missingCommandWithoutTTY() async throws {
        let project = try Project(Self.existing)
        let before = try project.bytes()
        let result = await project.run(["create", "task", "train", "--cpu", "2"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("--command"))
        #expect(result.stderr.contains("not running in an interactive terminal"))
        #expect(try project.bytes() == before)
    }

    @Test("without a terminal and without a name it fails with exit 2")
    func missingNameWithoutTTY() async throws {
        let project = try Project(Self.existing)
        let result = await project.run(["create", "task", "--command", "python train.py"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("NAME"))
    }

    @Test("a bad flag value fails naming the flag, and nothing is written", arguments: [
        (["--memory", "8Gb"], "--memory has an unknown unit 'Gb' in '8Gb'"),
        (["--cpu", "0"], "--cpu must be more than zero, not 0"),
        (["--storage", "512m"], "--storage is '512m', which means thousandths of a byte"),
        (["--gpus", "2000"], "--gpus must be from 0 to 1024, not 2000"),
        (["--env", "MY-VAR=1"], "--env 'MY-VAR' is not a valid environment variable name"),
        (["--env", "NOVALUE"], "--env 'NOVALUE' has no '='"),
        (["--secret", "bad name"], "--secret 'bad name' is not a valid secret name"),
        (["--secret", "token:1BAD"], "--secret 'token:1BAD': '1BAD' is not a valid environment variable name"),
    ])
    func badFlagValue(flags: [String], message: String) async throws {
        let project = try Project(Self.existing)
        let before = try project.bytes()
        let result = await project.run(["create", "task", "train", "--command", "python train.py"] + flags)
        #expect(result.status == 2)
        #expect(result.stderr.contains("error: \(message)"), "\(result.stderr)")
        #expect(try project.bytes() == before)
    }

    @Test("an existing task name is refused with its line")
    func existingName() async throws {
        let project = try Project(Self.existing)
        let before = try project.bytes()
        let result = await project.run(["create", "task", "evaluate", "--command", "python x.py"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("a task named 'evaluate' already exists in ame.yaml (line 10)"))
        #expect(try project.bytes() == before)
    }

    @Test("--command and --step together are refused")
    func commandAndSteps() async throws {
        let project = try Project(Self.existing)
        let result = await project.run(["create", "task", "x", "--command", "a", "--step", "b=c"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("--command and --step cannot be used together"))
    }

    @Test("an invalid ame.yaml is reported and left alone")
    func invalidProjectFile() async throws {
        let broken = "projectname: demo\ntasks:\n  prepare:\n    runcomand: python prepare.py\n"
        let project = try Project(broken)
        let result = await project.run(["create", "task", "train", "--command", "python train.py"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("ame.yaml:4:5: error: unknown key 'runcomand' in task 'prepare'"))
        #expect(try project.ameYAML() == broken)
    }

    @Test("adds to a project made by 'create project', and to one with no tasks section")
    func emptyTasks() async throws {
        let project = try Project()
        #expect(await project.run(["create", "project", "demo"]).status == 0)
        #expect(await project.run(["create", "task", "train", "--command", "python train.py", "--cpu", "500m"]).status == 0)
        #expect(await project.run(["create", "task", "evaluate", "--command", "python evaluate.py"]).status == 0)
        let parsed = try project.parsed()
        #expect(parsed.taskNames == ["train", "evaluate"])
        #expect(parsed.task(named: "train")?.resources.cpu?.millis == 500)

        let bare = try Project("projectname: bare\n")
        #expect(await bare.run(["create", "task", "train", "--command", "python train.py"]).status == 0)
        #expect(try bare.parsed().task(named: "train")?.runCommand == "python train.py")
    }

    @Test func json() async throws {
        let project = try Project(Self.existing)
        let result = await project.run(["create", "task", "train", "--command", "python train.py", "--memory", "8Gi", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try jsonObject(result.stdout)
        #expect(object["name"] as? String == "train")
        #expect(object["runCommand"] as? String == "python train.py")
        #expect((object["resources"] as? [String: Any])?["memory"] as? String == "8Gi")
    }
}
