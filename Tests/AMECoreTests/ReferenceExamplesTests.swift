import AMECore
import Foundation
import Testing

/// The YAML examples of the reference README (Tests/AMECoreTests/Fixtures/reference) parse
/// and mean what the README says they mean.
@Suite("Reference README examples")
struct ReferenceExamplesTests {
    static func gibibytes(_ count: Int) -> Decimal { Decimal(count) * 1_073_741_824 }

    static func parse(_ fixture: String) throws -> ProjectFile {
        try ProjectFile.parse(FixtureFiles.text(fixture))
    }

    @Test("single task: command, secret, env and resources")
    func singleTask() throws {
        let project = try Self.parse("reference/single-task.yaml")
        #expect(project.projectName == "bestproject")
        #expect(project.taskNames == ["download_data"])
        #expect(project.recurringTasks.isEmpty)
        let task = try #require(project.task(named: "download_data"))
        #expect(task.runCommand == "python downloaddata.py")
        #expect(task.pipeline == nil)
        #expect(!task.isPipeline)
        #expect(task.secrets == [SecretRef(name: "storagesecret", envKey: "STORAGE_SECRET")])
        #expect(task.env == [EnvVar(key: "PROJECT_ENVIRONMENT", value: "production")])
        #expect(task.resources.cpu?.value == 2)
        #expect(task.resources.cpu?.millis == 2000)
        #expect(task.resources.memory?.value == Self.gibibytes(8))
        let eightGibibytes: Int64 = 8 * 1_073_741_824
        #expect(task.resources.memory?.wholeUnits == eightGibibytes)
        #expect(task.resources.memory?.text == "8Gi")
        #expect(task.resources.storage?.value == Self.gibibytes(50))
        #expect(task.resources.gpus == nil)
        #expect(task.resources.vram == nil)
        #expect(task.resources.summary == "cpu 2, memory 8Gi, storage 50Gi")
        // Positions are kept for later checks to point at.
        #expect(project.locations["tasks.download_data"] == SourceLocation(line: 4, column: 3))
        #expect(project.locations["tasks.download_data.runcommand"] == SourceLocation(line: 5, column: 17))
    }

    @Test("the pipeline as published has two bad indents, lines 24 and 32, both reported at once")
    func pipelineAsPublished() throws {
        let source = try FixtureFiles.text("reference/pipeline-as-published.yaml")
        let result = ProjectFileDecoder(source: source, file: "ame.yaml").decode()
        #expect(!result.isValid)
        #expect(result.project == nil)
        #expect(result.diagnostics.count == 2, "\(result.diagnostics)")
        // The second: `       upload_model:`, one space too far as well; reading went on
        // past the first as if 'train_model' were indented like 'prepare_data'.
        let second = try #require(result.errors.dropFirst().first)
        #expect(second.line == 32 && second.column == 8)
        #expect(second.message == "bad indentation: 'upload_model' is indented 7 spaces, which lines up with no key above it")
        #expect(second.hint == "indent it 6 spaces, like 'train_model' on line 24, or 8 spaces, like 'resources' on line 26")
        #expect(second.rendered(source: source).contains("   |        upload_model:\n   |        ^"))
        let error = try #require(result.errors.first)
        #expect(error.line == 24)
        // Line 24 is `       train_model:`: the key starts in column 8, one space too far.
        #expect(error.column == 8)
        #expect(error.message.contains("indent"))
        #expect(error.message == "bad indentation: 'train_model' is indented 7 spaces, which lines up with no key above it")
        #expect(error.hint == "indent it 6 spaces, like 'prepare_data' on line 18, or 8 spaces, like 'resources' on line 20")
        #expect(error.description.hasPrefix("ame.yaml:24:8: error: bad indentation"))
        // The rendered form shows the line with a caret under the key.
        let rendered = error.rendered(source: source)
        #expect(rendered.contains("   |        train_model:\n   |        ^"))
    }

    @Test("the fixed pipeline has four ordered steps with their resources")
    func pipelineFixed() throws {
        let project = try Self.parse("reference/pipeline-fixed.yaml")
        #expect(project.projectName == "bestproject")
        #expect(project.taskNames == ["main"])
        let main = try #require(project.task(named: "main"))
        #expect(main.runCommand == nil)
        let steps = try #require(main.pipeline)
        #expect(steps.map(\.name) == ["download_data", "prepare_data", "train_model", "upload_model"])
        #expect(steps.map(\.runCommand) == ["python downloaddata.py", "python preparadata.py", "python train.py", "python train.py"])

        let download = steps[0]
        #expect(download.secrets == [SecretRef(name: "storagesecret", envKey: "STORAGE_SECRET")])
        #expect(download.env == [EnvVar(key: "PROJECT_ENVIRONMENT", value: "production")])
        #expect(download.resources.summary == "cpu 2, memory 8Gi, storage 50Gi")

        let prepare = steps[1]
        #expect(prepare.resources.cpu?.value == 8)
        #expect(prepare.resources.memory?.value == Self.gibibytes(16))
        #expect(prepare.resources.storage?.value == Self.gibibytes(50))
        #expect(prepare.secrets.isEmpty && prepare.env.isEmpty)

        let train = steps[2]
        #expect(train.resources.cpu?.value == 4)
        #expect(train.resources.memory?.value == Self.gibibytes(8))
        #expect(train.resources.storage?.value == Self.gibibytes(30))
        #expect(train.resources.gpus == 1)
        #expect(train.resources.vram?.value == Self.gibibytes(24))

        let upload = steps[3]
        #expect(upload.resources.summary == "cpu 2, memory 4Gi, storage 30Gi")
        #expect(upload.resources.gpus == nil)

        // Without 'needs', each step waits for the one before it.
        #expect(steps.allSatisfy { $0.needs == nil })
        #expect(main.effectiveSteps.map { $0.needs ?? ["?"] } == [[], ["download_data"], ["prepare_data"], ["train_model"]])
    }

    @Test("the recurring example (elided with '...') schedules 'main' at 12:00 every day")
    func recurring() throws {
        let project = try Self.parse("reference/recurring.yaml")
        #expect(project.projectName == "bestproject")
        #expect(project.recurringTasks.count == 1)
        let schedule = try #require(project.recurringTasks.first)
        #expect(schedule.name == "daily_training")
        #expect(schedule.taskRef == "main")
        #expect(schedule.schedule == "0 12 * * *")
        #expect(schedule.timezone == nil)
        #expect(schedule.concurrency == .skip)
        #expect(schedule.catchup)
        let cron = try #require(schedule.cron)
        let noon = try #require(ISO8601DateFormatter().date(from: "2025-03-10T12:00:00Z"))
        let morning = try #require(ISO8601DateFormatter().date(from: "2025-03-10T08:30:00Z"))
        #expect(cron.nextFiring(after: morning) == noon)

        let main = try #require(project.task(named: "main"))
        let step = try #require(main.pipeline?.first)
        #expect(main.pipeline?.map(\.name) == ["download_data"])
        #expect(step.runCommand == "python downloaddata.py")
        // The secret has no envkey in the README: it defaults to the secret's name.
        #expect(step.secrets == [SecretRef(name: "storagesecret", envKey: "storagesecret")])
    }

    @Test("the example in the design document parses with every field it shows")
    func designExample() throws {
        let source = """
            projectname: bestproject
            recurring_tasks:
              daily_training:
                taskref: main
                schedule: 0 12 * * *
            tasks:
              download_data:
                runcommand: python downloaddata.py
                secrets:            # one {name, envkey} or a list of them
                  name: storagesecret
                  envkey: STORAGE_SECRET
                env:                # one {envkey, value}, a list of them, or a KEY: value map
                  envkey: PROJECT_ENVIRONMENT
                  value: production
                resources: {cpu: 2, memory: 8Gi, storage: 50Gi, gpus: 1, vram: 24Gi}
              main:
                pipeline:           # ordered steps, each a task body; run in order
                  download_data: {runcommand: python downloaddata.py}
                  train_model:   {runcommand: python train.py, resources: {gpus: 1}}

            """
        let project = try ProjectFile.parse(source)
        #expect(project.taskNames == ["download_data", "main"])
        #expect(project.task(named: "download_data")?.resources.summary == "cpu 2, memory 8Gi, storage 50Gi, gpus 1, vram 24Gi")
        #expect(project.task(named: "main")?.pipeline?.map(\.name) == ["download_data", "train_model"])
        #expect(project.task(named: "main")?.pipeline?.last?.resources.gpus == 1)
    }

    @Test("every optional field reads as written (valid/everything.yaml)")
    func everything() throws {
        let project = try Self.parse("valid/everything.yaml")
        #expect(project.taskNames == ["download_data", "report", "notebook", "main"])
        #expect(project.recurringTasks.map(\.name) == ["daily_training", "weekly_report"])
        let weekly = project.recurringTasks[1]
        #expect(weekly.timezone == "Europe/Oslo")
        #expect(weekly.concurrency == .queue)
        #expect(!weekly.catchup)

        let report = try #require(project.task(named: "report"))
        #expect(report.runCommand == #"python report.py --format "md""#)
        #expect(report.env == [EnvVar(key: "LEVEL", value: "3"), EnvVar(key: "MODE", value: "fast")])
        #expect(report.artifacts == ArtifactsSpec(paths: ["reports/*.md", "out/**"], destination: "s3://team-bucket/reports/{run}/", local: false))
        #expect(report.image?.hasPrefix("ghcr.io/team/report@sha256:") == true)
        #expect(report.python == "3.11")
        #expect(report.dependencies == .uv)
        #expect(report.timeout == 5400)

        let notebook = try #require(project.task(named: "notebook"))
        #expect(notebook.ports == [PortSpec(port: 8888, name: "jupyter"), PortSpec(port: 6006)])
        #expect(notebook.data == [DataSource(source: "s3://team-bucket/datasets/v1/", path: "data/", secret: "storagesecret",
                                             endpoint: "https://minio.example.com", region: "eu-north-1")])

        let main = try #require(project.task(named: "main"))
        #expect(main.env == [EnvVar(key: "PROJECT_ENVIRONMENT", value: "production"), EnvVar(key: "SEED", value: "42")])
        #expect(main.retry == RetryPolicy(attempts: 2, oom: OOMRetry(factor: 2, maxMemory: try Quantity(parsing: "32Gi"))))
        #expect(main.image == "localhost:5000/team/train:1.2")
        let steps = try #require(main.pipeline)
        #expect(steps.map(\.name) == ["download_data", "prepare_data", "train_model", "evaluate"])
        #expect(steps[1].secrets == [SecretRef(name: "storagesecret", envKey: "storagesecret"), SecretRef(name: "api-token", envKey: "API_TOKEN")])
        #expect(steps[2].needs == ["prepare_data"])
        #expect(steps[2].resources.cpu?.millis == 500)
        #expect(steps[2].retry == RetryPolicy(attempts: 3, oom: OOMRetry()))
        #expect(steps[2].nodes == 4)
        #expect(steps[2].artifacts?.from == .all)
        #expect(steps[3].needs == ["train_model", "download_data"])
        #expect(steps[3].timeout == 90)

        // Pipeline values are defaults for every step.
        let effective = main.effectiveSteps
        #expect(effective.map { $0.resources.memory?.text } == ["4Gi", "4Gi", "4Gi", "4Gi"])
        #expect(effective.map(\.image) == Array(repeating: "localhost:5000/team/train:1.2", count: 4))
        #expect(effective.map(\.installer) == Array(repeating: .pip, count: 4))
        #expect(report.installer == nil)
        #expect(effective[2].retry?.attempts == 3)
        #expect(effective[0].retry?.attempts == 2)
        #expect(effective.map(\.nodeCount) == [1, 1, 4, 1])
        #expect(effective.allSatisfy { $0.env.contains(EnvVar(key: "SEED", value: "42")) })
        #expect(main.allSecretNames == ["storagesecret", "api-token"])
    }
}
