import AMECore
import AMETestSupport
import Foundation
import Testing

@Suite("ame create project")
struct CreateProjectTests {
    @Test("writes a minimal ame.yaml that validates")
    func writesMinimalFile() async throws {
        let project = try Project()
        let result = await project.run(["create", "project", "demo"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try project.ameYAML() == "projectname: demo\ntasks:\n")
        let parsed = try project.parsed()
        #expect(parsed.projectName == "demo")
        #expect(parsed.tasks.isEmpty)
        #expect(result.stdout.contains("Created"))
        let validate = await project.run(["validate"])
        #expect(validate.status == 0)
        #expect(validate.stdout == "✓ ame.yaml is valid: project 'demo', 0 tasks\n")
    }

    @Test("without a name and a terminal, the directory's name is used")
    func nameFromDirectory() async throws {
        let project = try Project()
        let result = await project.run(["create", "project"])
        #expect(result.status == 0)
        #expect(try project.parsed().projectName == project.url.lastPathComponent)
    }

    @Test("--dir creates the file in another directory")
    func otherDirectory() async throws {
        let project = try Project()
        let result = await project.run(["create", "project", "demo", "--dir", "sub/dir"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try project.directory.read("sub/dir/ame.yaml") == "projectname: demo\ntasks:\n")
    }

    @Test("refuses to overwrite without --force, and leaves the file as it was")
    func refusesToOverwrite() async throws {
        let original = "# keep me\nprojectname: mine\ntasks:\n  train:\n    runcommand: python train.py\n"
        let project = try Project(original)
        let before = try project.bytes()
        let result = await project.run(["create", "project", "demo"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("already exists"))
        #expect(result.stderr.contains("--force"))
        #expect(try project.bytes() == before)

        let forced = await project.run(["create", "project", "demo", "--force"])
        #expect(forced.status == 0)
        #expect(try project.ameYAML() == "projectname: demo\ntasks:\n")
    }

    @Test("an invalid name is refused with exit 2 and nothing is written")
    func invalidName() async throws {
        let project = try Project()
        let result = await project.run(["create", "project", "my project!"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("'my project!' is not a valid project name"))
        #expect(result.stderr.contains("my-project"))
        #expect(!FileManager.default.fileExists(atPath: project.directory.file("ame.yaml").path))
    }

    @Test("on a terminal the name is asked for, and a bad answer asked again")
    func interactive() async throws {
        let project = try Project()
        let terminal = TestTerminal(interactive: true, answers: ["bad name!", "good-name"])
        let result = await project.run(["create", "project"], terminal: terminal)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(terminal.prompts.count == 2)
        #expect(terminal.prompts.allSatisfy { $0.contains("Project name") })
        #expect(terminal.unusedAnswers.isEmpty)
        #expect(try project.parsed().projectName == "good-name")
    }

    @Test func json() async throws {
        let project = try Project()
        let result = await project.run(["create", "project", "demo", "--json"])
        #expect(result.status == 0)
        let object = try jsonObject(result.stdout)
        #expect(object["projectName"] as? String == "demo")
        #expect((object["file"] as? String)?.hasSuffix("/ame.yaml") == true)
    }
}
