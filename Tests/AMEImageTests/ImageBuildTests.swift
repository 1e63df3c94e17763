import AMECore
import AMETestSupport
import Foundation
import Testing

/// `ame image` end to end: buildah builds the project's Containerfile from a base image in a
/// real registry (Debian's docker-registry on loopback), pushes the result, and the image is
/// pulled back through the registry's API to see what it holds.
@Suite("ame image: build, push, list and use against a real registry", .serialized)
struct ImageBuildTests {
    @Test("init writes a Containerfile from the project: base, Python, the lock file in its own layer, the code last")
    func initWritesContainerfile() async throws {
        let testbed = try await ImageTestbed(files: [".python-version": "3.11.7\n"])
        let result = try await testbed.ame(["image", "init", "--repository", "registry.example.com/team/imagedemo"])
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(result.stdout.contains("wrote Containerfile: FROM docker.io/library/python:3.11-slim"), "\(result.stdout)")
        #expect(result.stdout.contains("dependencies: pip (requirements.txt)"), "\(result.stdout)")
        let text = try testbed.read("Containerfile")
        let lines = text.split(separator: "\n").map(String.init)
        func index(_ line: String) -> Int? { lines.firstIndex { $0.hasPrefix(line) } }
        #expect(text.contains("# ame-image: repository=registry.example.com/team/imagedemo\n"))
        #expect(text.contains("org.opencontainers.image.title=\"imagedemo\""))
        #expect(text.contains("dev.ame.project=\"imagedemo\""))
        #expect(text.contains("LABEL dev.ame.python=\"3.11\""))
        // The order that makes the dependency layer cacheable: lock file, install, then code.
        let from = try #require(index("FROM docker.io/library/python:3.11-slim"))
        let workdir = try #require(index("WORKDIR /workspace"))
        let copyLock = try #require(index("COPY requirements.txt ./"))
        let install = try #require(index("RUN pip install -r requirements.txt"))
        let copyCode = try #require(index("COPY . ."))
        #expect(from < workdir && workdir < copyLock && copyLock < install && install < copyCode)
        #expect(try testbed.read(".containerignore").contains(".git\n"))

        // An existing Containerfile is the user's: not replaced without --force.
        let again = try await testbed.ame(["image", "init"])
        #expect(again.exitCode == 1)
        #expect(again.stderr.contains("Containerfile already exists"), "\(again.stderr)")
        let forced = try await testbed.ame(["image", "init", "--force", "--base", "ghcr.io/team/cuda-python:12.4"])
        #expect(forced.exitCode == 0, "\(forced.stderr)")
        #expect(try testbed.read("Containerfile").contains("FROM ghcr.io/team/cuda-python:12.4\n"))

        // A base that is not an image reference never reaches a builder.
        let bad = try await testbed.ame(["image", "init", "--force", "--base", "Python:3.11"])
        #expect(bad.exitCode == 64)
        #expect(bad.stderr.contains("'Python:3.11' is not a valid image reference: repository names must be lowercase"), "\(bad.stderr)")
    }

    @Test("init's base follows AME's one Python rule: the project's pin, else the default that local runs and Kubernetes use")
    func initFollowsThePythonRule() async throws {
        let cases: [(files: [String: String], python: String)] = [
            ([:], PythonDefault.version),
            (["pyproject.toml": "[project]\nname = 'x'\nrequires-python = \"==3.10.*\"\n"], "3.10"),
            (["pyproject.toml": "[project]\nname = 'x'\nrequires-python = \">=3.9\"\n"], PythonDefault.version),
            (["Pipfile": "[packages]\n\n[requires]\npython_version = \"3.10\"\n"], "3.10"),
        ]
        for (files, python) in cases {
            let testbed = try await ImageTestbed(files: files)
            let result = try await testbed.ame(["image", "init"])
            #expect(result.exitCode == 0, "\(result.stderr)")
            #expect(try testbed.read("Containerfile").contains("FROM docker.io/library/python:\(python)-slim\n"),
                    "\(files.keys.sorted()): \(result.stdout)")
        }
        #expect(PythonDefault.image == "python:\(PythonDefault.version)-slim")
    }

    @Test("init picks the lock file of each dependency manager")
    func initPerManager() async throws {
        let cases: [(files: [String: String], expected: [String])] = [
            (["uv.lock": "version = 1\n", "pyproject.toml": "[project]\nname = 'x'\n"],
             ["COPY pyproject.toml uv.lock ./", "uv export --frozen", "uv pip install --system"]),
            (["poetry.lock": "", "pyproject.toml": "[tool.poetry]\nname = 'x'\n"],
             ["COPY pyproject.toml poetry.lock ./", "poetry install --no-root"]),
            (["Pipfile": "[packages]\n", "Pipfile.lock": "{}"],
             ["COPY Pipfile Pipfile.lock ./", "pipenv install --system --deploy"]),
            (["environment.yml": "name: x\ndependencies: [numpy]\n"],
             ["FROM docker.io/condaforge/miniforge3:latest", "COPY environment.yml ./", "conda env update -n base -f environment.yml"]),
            (["requirements.txt": "-r base.txt\ntorch\n", "base.txt": "numpy\n"],
             ["COPY requirements.txt base.txt ./", "RUN pip install -r requirements.txt"]),
        ]
        for (files, expected) in cases {
            let testbed = try await ImageTestbed(files: files)
            if files["requirements.txt"] == nil { try FileManager.default.removeItem(at: testbed.project.appendingPathComponent("requirements.txt")) }
            let result = try await testbed.ame(["image", "init"])
            #expect(result.exitCode == 0, "\(result.stderr)")
            let text = try testbed.read("Containerfile")
            for line in expected {
                #expect(text.contains(line), "\(files.keys.sorted()): no '\(line)' in\n\(text)")
            }
        }
    }

    @Test("build --push: the registry serves the image, with its working directory, labels, dependency layer and RUN step")
    func buildAndPush() async throws {
        let registry = try await RegistryTestServer.shared()
        let testbed = try await ImageTestbed()
        let base = try await testbed.buildah.baseImage(in: registry)
        let repository = "\(registry.host)/team/imagedemo"

        var result = try await testbed.ame(["image", "init", "--base", base, "--repository", repository])
        #expect(result.exitCode == 0, "\(result.stderr)")
        // The user's own step: it must run during the build and leave its file in the image.
        try testbed.addStep("RUN mkdir -p /opt/ame-test && echo \"built by ame image\" > /opt/ame-test/marker.txt")
        let before = try testbed.read("ame.yaml")

        result = try await testbed.ame(["image", "build", "--push", "--use", "train"])
        #expect(result.exitCode == 0, "stdout:\n\(result.stdout)\nstderr:\n\(result.stderr)")
        let built = try #require(result.stdout.split(separator: "\n").first { $0.hasPrefix("built ") }, "\(result.stdout)")
        let image = try #require(built.split(separator: " ").dropFirst().first.map(String.init))
        #expect(image.hasPrefix("\(repository):"))
        let tag = String(image.dropFirst(repository.count + 1))
        #expect(tag.count == 15, "a time tag like 20260314-093015: \(tag)")
        #expect(result.stdout.contains("built \(image) with buildah"))
        #expect(result.stdout.contains("pushed \(image) (sha256:"), "\(result.stdout)")
        #expect(result.stdout.contains("task 'train' now uses \(image); ame.yaml line 7"), "\(result.stdout)")
        // The builder's own output reached the user (on stderr: stdout is the plugin protocol's).
        #expect(result.stderr.contains("STEP"), "\(result.stderr)")

        // Pinned in ame.yaml: one line added under 'train', nothing else touched.
        let after = try testbed.read("ame.yaml")
        let difference = lineDifference(before, after)
        #expect(difference.added == ["    image: \(image)"])
        #expect(difference.removed.isEmpty)
        #expect(after.components(separatedBy: "\n")[6] == "    image: \(image)")

        // Pulled back through the registry's API, as a cluster would.
        let folder = try TemporaryDirectory(prefix: "ame-pulled")
        let pulled = try await registry.pull("team/imagedemo", tag, into: folder.url)
        #expect(pulled.workingDirectory == "/workspace")
        #expect(pulled.labels["org.opencontainers.image.title"] == "imagedemo")
        #expect(pulled.labels["dev.ame.project"] == "imagedemo")
        #expect(pulled.file("opt/ame-test/marker.txt") == "built by ame image\n")
        // The dependency step ran (the base image's stand-in pip recorded it) in a layer
        // below the one holding the project's code.
        #expect(pulled.file("pip-installs.txt") == "pip install -r requirements.txt\n")
        #expect(pulled.file("workspace/requirements.txt") == "numpy==1.26.4\nscikit-learn==1.4.2\n")
        #expect(pulled.file("workspace/train.py") == "print('training')\n")
        let dependencyLayer = try #require(pulled.layers(holding: "pip-installs.txt").first)
        let codeLayer = try #require(pulled.layers(holding: "workspace/train.py").last)
        #expect(dependencyLayer < codeLayer)
        #expect(pulled.layers(holding: "workspace/.containerignore").isEmpty, "the ignore file keeps itself out")
        #expect(pulled.file("bin/busybox") != nil, "the base image's layer is there")

        // ame image ls: the tag, and the task that uses it.
        result = try await testbed.ame(["image", "ls"])
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(result.stdout.contains("\(repository)\nTAG"), "\(result.stdout)")
        #expect(result.stdout.contains("\(tag)  train\n"), "\(result.stdout)")

        // ame validate --remote finds every image that exists, and the one that does not.
        // (python:3.11-slim of 'evaluate' is on Docker Hub: without the internet, a warning.)
        result = try await testbed.ame(["validate", "--remote"])
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(!result.stderr.contains(": error: "), "\(result.stderr)")
        #expect(!result.stderr.contains("image '\(image)'"), "\(result.stderr)")

        // A change to the code only: the dependency layer comes from the cache.
        try testbed.write("train.py", "print('training, again')\n")
        result = try await testbed.ame(["image", "build", "--tag", "\(repository):second"])
        #expect(result.exitCode == 0, "\(result.stderr)")
        let stepLines = result.stderr.split(separator: "\n").map(String.init)
        let installIndex = try #require(stepLines.firstIndex { $0.contains("RUN pip install -r requirements.txt") })
        #expect(stepLines[(installIndex + 1)...].prefix(3).contains { $0.contains("Using cache") }, "\(result.stderr)")

        // ame image push: the last build, by default.
        result = try await testbed.ame(["image", "push"])
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(result.stdout.contains("pushed \(repository):second (sha256:"), "\(result.stdout)")
        let tags = try await registry.get("team/imagedemo/tags/list")
        let listed = try #require(try JSONSerialization.jsonObject(with: tags.body) as? [String: Any])
        #expect(Set(listed["tags"] as? [String] ?? []) == [tag, "second"])
    }

    @Test("a base image that cannot be pulled: the error names it and says why")
    func missingBase() async throws {
        let registry = try await RegistryTestServer.shared()
        let testbed = try await ImageTestbed()
        let missing = "\(registry.host)/ame-test/no-such-base:1"
        var result = try await testbed.ame(["image", "init", "--base", missing])
        #expect(result.exitCode == 0, "\(result.stderr)")
        result = try await testbed.ame(["image", "build", "--tag", "\(registry.host)/team/imagedemo:never"])
        #expect(result.exitCode == 1)
        #expect(result.stderr.contains("error: the base image '\(missing)' cannot be pulled: \(registry.host) has no such image"), "\(result.stderr)")
        #expect(result.stderr.contains("hint: check the FROM line of Containerfile"), "\(result.stderr)")
    }

    @Test("the registry refuses a push over TLS it does not speak")
    func pushRefusedTLS() async throws {
        let registry = try await RegistryTestServer.shared()
        let testbed = try await ImageTestbed()
        let base = try await testbed.buildah.baseImage(in: registry)
        var result = try await testbed.ame(["image", "init", "--base", base])
        #expect(result.exitCode == 0, "\(result.stderr)")
        let image = "\(registry.host)/team/imagedemo:tls"
        result = try await testbed.ame(["image", "build", "--tag", image])
        #expect(result.exitCode == 0, "\(result.stderr)")
        result = try await testbed.ame(["image", "push", image, "--tls-verify", "true"])
        #expect(result.exitCode == 1)
        #expect(result.stderr.contains("error: the registry \(registry.host) refused the push of \(image): TLS failed"), "\(result.stderr)")
        #expect(result.stderr.contains("hint: if \(registry.host) serves plain HTTP or a self-signed certificate, pass --insecure"), "\(result.stderr)")
    }

    @Test("a registry that wants a login: refused without credentials, accepted with an AME secret or the auth file")
    func authenticatedRegistry() async throws {
        let registry = try await RegistryTestServer.sharedWithAuthentication()
        let testbed = try await ImageTestbed()
        let base = try await testbed.buildah.baseImage(in: registry, authenticated: true)
        let repository = "\(registry.host)/team/imagedemo"
        let secretName = "registry-\(registry.host.replacingOccurrences(of: ":", with: "-"))"
        var result = try await testbed.ame(["image", "init", "--base", base, "--repository", repository])
        #expect(result.exitCode == 0, "\(result.stderr)")

        // No credentials: the base image cannot even be pulled.
        result = try await testbed.ame(["image", "build", "--push"])
        #expect(result.exitCode == 1)
        #expect(result.stderr.contains("error: the base image '\(base)' cannot be pulled: \(registry.host) refused access"), "\(result.stderr)")
        #expect(result.stderr.contains("AME secret '\(secretName)'"), "\(result.stderr)")
        result = try await testbed.ame(["image", "ls"])
        #expect(result.exitCode == 1)
        #expect(result.stderr.contains("error: the registry \(registry.host) needs credentials, and none were found"), "\(result.stderr)")

        // Wrong credentials in the AME secret: the registry refuses them.
        result = try await testbed.sandbox.ame(["secret", "set", secretName], in: testbed.project, input: Data("tester:wrong".utf8))
        #expect(result.exitCode == 0, "\(result.stderr)")
        result = try await testbed.ame(["image", "ls"])
        #expect(result.exitCode == 1)
        #expect(result.stderr.contains("refused the credentials from secret:\(secretName)"), "\(result.stderr)")

        // The right ones: build, push and list work, and the builder never saw the password
        // on its command line (it got a private auth file).
        result = try await testbed.sandbox.ame(["secret", "set", secretName], in: testbed.project,
                                               input: Data("\(RegistryTestServer.user):\(RegistryTestServer.password)".utf8))
        #expect(result.exitCode == 0, "\(result.stderr)")
        result = try await testbed.ame(["image", "build", "--push", "--use", "main/fit"])
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(result.stdout.contains("step 'fit' of task 'main' now uses \(repository):"), "\(result.stdout)")
        result = try await testbed.ame(["image", "ls"])
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(result.stdout.contains("main/fit"), "\(result.stdout)")
        result = try await testbed.ame(["validate", "--remote"])
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(!result.stderr.contains("image '\(repository)"), "the pushed image was checked with the secret's credentials: \(result.stderr)")

        // The usual auth file works as well (and the secret is gone).
        result = try await testbed.sandbox.ame(["secret", "rm", secretName], in: testbed.project)
        #expect(result.exitCode == 0, "\(result.stderr)")
        let authFile = testbed.sandbox.directory.url.appendingPathComponent("auth.json")
        let token = Data("\(RegistryTestServer.user):\(RegistryTestServer.password)".utf8).base64EncodedString()
        try Data(#"{"auths": {"\#(registry.host)": {"auth": "\#(token)"}}}"#.utf8).write(to: authFile)
        result = try await testbed.ame(["image", "ls"], environment: ["REGISTRY_AUTH_FILE": authFile.path])
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(result.stdout.contains("main/fit"), "\(result.stdout)")
    }
}
