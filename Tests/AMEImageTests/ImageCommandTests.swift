import AMETestSupport
import Foundation
import Testing

@Suite("ame image: use, missing builders, references checked by ame validate", .serialized)
struct ImageCommandTests {
    @Test("ame plugin test: ame-image passes the conformance checks")
    func conformance() async throws {
        let sandbox = try AMESandbox(.embedded)
        let plugin = Fixtures.productsDirectory.appendingPathComponent("ame-image").path
        let result = try await sandbox.ame(["plugin", "test", plugin])
        #expect(result.exitCode == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("All 7 checks passed."), "\(result.stdout)")
        let help = try await sandbox.ame(["help", "image"])
        for command in ["init", "build", "push", "use", "ls"] {
            #expect(help.stdout.contains(command), "\(help.stdout)")
        }
    }

    @Test("ame image use changes only the image: of that task or step, keeping comments and quoting")
    func useChangesOnlyTheImage() async throws {
        let testbed = try await ImageTestbed()
        let original = try testbed.read("ame.yaml")

        // A task without an image: one line added under it, at its keys' indentation.
        var result = try await testbed.ame(["image", "use", "train", "registry.example.com/team/imagedemo:v1"])
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(result.stdout == "task 'train' now uses registry.example.com/team/imagedemo:v1; ame.yaml line 7\n")
        var text = try testbed.read("ame.yaml")
        #expect(text == original.replacingOccurrences(of: "    resources: {cpu: 1, memory: 1Gi}\n",
                                                       with: "    resources: {cpu: 1, memory: 1Gi}\n    image: registry.example.com/team/imagedemo:v1\n"))

        // A task with one: the value replaced where it stands.
        let before = text
        result = try await testbed.ame(["image", "use", "evaluate", "registry.example.com/team/imagedemo@sha256:" + String(repeating: "ab", count: 32)])
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(result.stdout.contains("task 'evaluate' now uses registry.example.com/team/imagedemo@sha256:abab"), "\(result.stdout)")
        #expect(result.stdout.contains("(was python:3.11-slim)"), "\(result.stdout)")
        text = try testbed.read("ame.yaml")
        let difference = lineDifference(before, text)
        #expect(difference.removed == ["    image: python:3.11-slim"])
        #expect(difference.added == ["    image: registry.example.com/team/imagedemo@sha256:" + String(repeating: "ab", count: 32)])

        // A pipeline step written as a flow mapping: the entry added inside its braces.
        result = try await testbed.ame(["image", "use", "main/prepare", "127.0.0.1:5000/team/prep:2"])
        #expect(result.exitCode == 0, "\(result.stderr)")
        text = try testbed.read("ame.yaml")
        #expect(text.contains("      prepare: {runcommand: python prepare.py, image: \"127.0.0.1:5000/team/prep:2\"}\n"), "\(text)")

        // The same again: nothing to change.
        result = try await testbed.ame(["image", "use", "main/prepare", "127.0.0.1:5000/team/prep:2"])
        #expect(result.stdout == "step 'prepare' of task 'main' already uses 127.0.0.1:5000/team/prep:2\n")

        // Everything else as it was: the comments, the schedule, the other tasks.
        #expect(text.hasPrefix("# The image demo project.\n"))
        #expect(text.contains("    runcommand: python train.py   # the main job\n"))
        #expect(text.hasSuffix("recurring_tasks:\n  nightly:\n    taskref: main\n    schedule: 0 3 * * *\n"))
        let validate = try await testbed.ame(["validate"])
        #expect(validate.exitCode == 0, "\(validate.stderr)")

        // Mistakes: an unknown task (with a suggestion), a reference that is not one.
        let unknown = try await testbed.ame(["image", "use", "trian", "registry.example.com/team/imagedemo:v1"])
        #expect(unknown.exitCode == 1)
        #expect(unknown.stderr.contains("error: there is no task named 'trian'\n  hint: did you mean 'train'?"), "\(unknown.stderr)")
        let typo = try await testbed.ame(["image", "use", "train", "registry.example.com/Team/imagedemo:v1"])
        #expect(typo.exitCode == 64)
        #expect(typo.stderr.contains("is not a valid image reference: repository names must be lowercase"), "\(typo.stderr)")
        #expect(try testbed.read("ame.yaml") == text, "a failed use writes nothing")
    }

    @Test("with no builder on the PATH, ame image build says what to install")
    func noBuilder() async throws {
        let testbed = try await ImageTestbed()
        var result = try await testbed.ame(["image", "init", "--base", "registry.example.com/base:1", "--repository", "registry.example.com/team/imagedemo"])
        #expect(result.exitCode == 0, "\(result.stderr)")
        let empty = try TemporaryDirectory(prefix: "ame-empty-path")
        result = try await testbed.ame(["image", "build", "--push"], environment: ["PATH": empty.path])
        #expect(result.exitCode == 69)
        #expect(result.stderr.contains("error: no image builder found: 'ame image build' needs buildah, podman or docker on the PATH"), "\(result.stderr)")
        #expect(result.stderr.contains("hint: install buildah, which builds images without a daemon: 'sudo apt-get install buildah'"), "\(result.stderr)")

        // docker without its daemon is no builder either, and the message says so.
        let fake = try TemporaryDirectory(prefix: "ame-fake-docker")
        try fake.write("docker", """
            #!/bin/sh
            echo "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?" >&2
            exit 1

            """, mode: 0o755)
        result = try await testbed.ame(["image", "build"], environment: ["PATH": fake.path])
        #expect(result.exitCode == 69)
        #expect(result.stderr.contains("error: no image builder can run here: docker is installed, but its daemon does not answer (Cannot connect to the Docker daemon"), "\(result.stderr)")
        #expect(result.stderr.contains("install buildah"), "\(result.stderr)")
    }

    @Test("ame validate: a typo in an image reference, at the position of the field")
    func validateTypo() async throws {
        let sandbox = try AMESandbox(.embedded)
        let project = try sandbox.project(["ame.yaml": """
            projectname: demo
            tasks:
              train:
                runcommand: python train.py
                image: registry.example.com/team/train::1.0
              main:
                pipeline:
                  fit:
                    runcommand: python fit.py
                    image: "registry.example.com/Team/fit:1"

            """])
        let result = try await sandbox.ame(["validate"], in: project)
        #expect(result.exitCode == 1)
        #expect(result.stderr.contains("ame.yaml:5:43: error: invalid image reference 'registry.example.com/team/train::1.0' in task 'train': ':' is not allowed in an image name"), "\(result.stderr)")
        #expect(result.stderr.contains("ame.yaml:10:38: error: invalid image reference 'registry.example.com/Team/fit:1' in step 'fit' of task 'main': image repository names must be lowercase"), "\(result.stderr)")
        #expect(result.stderr.contains("hint: write 'team'"), "\(result.stderr)")
    }

    @Test("ame validate --remote: an image the registry does not have is an error at its image: field")
    func validateRemote() async throws {
        let registry = try await RegistryTestServer.shared()
        let testbed = try await ImageTestbed()
        let base = try await testbed.buildah.baseImage(in: registry)
        let sandbox = try AMESandbox(.embedded)
        let project = try sandbox.project(["ame.yaml": """
            projectname: demo
            tasks:
              train:
                runcommand: python train.py
                image: \(base)
              main:
                pipeline:
                  fit:
                    runcommand: python fit.py
                    image: "\(registry.host)/ame-test/busybox:2"
                  score:
                    runcommand: python score.py
                    image: \(registry.host)/team/nothing-here:1

            """])
        var result = try await sandbox.ame(["validate", "--remote"], in: project)
        #expect(result.exitCode == 1)
        #expect(result.stderr.contains("ame.yaml:10:17: error: image '\(registry.host)/ame-test/busybox:2' of step 'fit' of task 'main' does not exist in the registry \(registry.host)"), "\(result.stderr)")
        #expect(result.stderr.contains("hint: did you mean '1'? The repository has the tags: 1"), "\(result.stderr)")
        #expect(result.stderr.contains("ame.yaml:13:16: error: image '\(registry.host)/team/nothing-here:1' of step 'score' of task 'main' does not exist in the registry \(registry.host)"), "\(result.stderr)")
        #expect(result.stderr.contains("the registry has no repository 'team/nothing-here'"), "\(result.stderr)")
        #expect(!result.stderr.contains("busybox:1'"), "the image that exists is no problem: \(result.stderr)")
        #expect(result.stderr.hasSuffix("2 errors found\n"), "\(result.stderr)")

        // Without --remote the file is valid: nothing asks the registry.
        result = try await sandbox.ame(["validate"], in: project)
        #expect(result.exitCode == 0, "\(result.stderr)")

        // --json: each image with what its registry said.
        result = try await sandbox.ame(["validate", "--remote", "--json"], in: project)
        #expect(result.exitCode == 1)
        let report = try #require(try JSONSerialization.jsonObject(with: result.stdoutData) as? [String: Any])
        #expect(report["valid"] as? Bool == false)
        #expect(report["errors"] as? Int == 2)
        let images = try #require(report["images"] as? [[String: Any]])
        #expect(images.map { $0["exists"] as? Bool } == [true, false, false])
        #expect((images[0]["digest"] as? String)?.hasPrefix("sha256:") == true)

        // A registry that cannot be reached is a warning, not an error: the file may be fine.
        let offline = try sandbox.project(["ame.yaml": """
            projectname: demo
            tasks:
              train:
                runcommand: python train.py
                image: 127.0.0.1:9/team/train:1

            """])
        result = try await sandbox.ame(["validate", "--remote"], in: offline)
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(result.stderr.contains("ame.yaml:5:12: warning: could not check image '127.0.0.1:9/team/train:1' of task 'train': cannot reach the registry 127.0.0.1:9"), "\(result.stderr)")
    }
}
