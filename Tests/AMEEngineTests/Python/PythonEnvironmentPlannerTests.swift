@testable import AMEEngine
import AMECore
import AMETestSupport
import Foundation
import Testing

@Suite struct PythonEnvironmentPlannerTests {
    let catalog = PythonInterpreterCatalog(interpreters: [
        PythonInterpreter(path: "/py/3.11.7/bin/python3.11", version: "3.11.7"),
        PythonInterpreter(path: "/py/3.12.1/bin/python3.12", version: "3.12.1"),
        PythonInterpreter(path: "/py/3.10.13/bin/python3.10", version: "3.10.13"),
        PythonInterpreter(path: "/py/3.9.18/bin/python3.9", version: "3.9.18"),
    ])

    static let uvPyproject = "[project]\nname = \"x\"\nversion = \"0.1\"\n\n[tool.uv]\npackage = false\n"
    static let poetryPyproject = "[tool.poetry]\nname = \"x\"\n\n[tool.poetry.dependencies]\npython = \"^3.10\"\nsix = \"*\"\n"
    static let plainPyproject = "[project]\nname = \"x\"\nversion = \"0.1\"\ndependencies = [\"six\"]\n"

    func plan(_ files: [String: String], python: String? = nil, dependencies: DependencyManager? = nil,
              catalog: PythonInterpreterCatalog? = nil) throws -> PythonEnvironmentPlan? {
        let temporary = try TemporaryDirectory()
        let project = try PythonTestSupport.project(temporary, files: files)
        return try PythonEnvironmentPlanner.plan(projectDirectory: project, python: python, dependencies: dependencies,
                                                 catalog: catalog ?? self.catalog)
    }

    // MARK: - Detection

    static let precedence: [(files: [String: String], recipe: PythonEnvironmentPlan.Recipe)] = [
        (["uv.lock": "", "pyproject.toml": uvPyproject, "poetry.lock": "", "requirements.txt": "six\n"], .uv(locked: true)),
        (["poetry.lock": "", "pyproject.toml": poetryPyproject, "Pipfile.lock": "{}", "Pipfile": ""], .poetry(locked: true, groups: [])),
        (["Pipfile.lock": "{}", "Pipfile": "[packages]\n", "requirements.txt": "six\n"], .pipenv(locked: true)),
        (["pyproject.toml": uvPyproject, "Pipfile": "", "requirements.txt": "six\n"], .uv(locked: false)),
        (["pyproject.toml": poetryPyproject, "Pipfile": "", "requirements.txt": "six\n"], .poetry(locked: false, groups: [])),
        (["Pipfile": "[packages]\nsix = \"*\"\n", "requirements.txt": "six\n"], .pipenv(locked: false)),
        (["python_env.yaml": "dependencies:\n  - six\n", "requirements.txt": "six\n"],
         .mlflowPythonEnv(file: "python_env.yaml", buildDependencies: [], dependencies: ["six"])),
        (["requirements.txt": "six\n", "environment.yml": "dependencies:\n  - six\n", "pyproject.toml": plainPyproject],
         .pipRequirements(file: "requirements.txt")),
        (["environment.yml": "dependencies:\n  - python=3.10\n", "pyproject.toml": plainPyproject], .conda(file: "environment.yml", python: nil)),
        (["pyproject.toml": plainPyproject], .uv(locked: false)),
    ]

    @Test(arguments: precedence.indices)
    func detectsTheManagerByPrecedence(_ index: Int) throws {
        let (files, recipe) = Self.precedence[index]
        let plan = try #require(try plan(files))
        #expect(plan.recipe == recipe, "files: \(files.keys.sorted())")
    }

    @Test func noPythonProjectFilesMeansNoEnvironment() throws {
        #expect(try plan([:]) == nil)
        #expect(try plan(["train.py": "print(1)\n", "pyproject.toml": "[tool.black]\nline-length = 100\n"]) == nil)
    }

    @Test func dependenciesNoneSkipsEverything() throws {
        #expect(try plan(["requirements.txt": "six\n", "uv.lock": ""], python: "3.12", dependencies: DependencyManager.none) == nil)
    }

    @Test func dependenciesForcesAManager() throws {
        let files = ["uv.lock": "", "pyproject.toml": Self.uvPyproject, "requirements.txt": "six\n"]
        #expect(try plan(files, dependencies: .pip)?.recipe == .pipRequirements(file: "requirements.txt"))
        #expect(try plan(files, dependencies: .auto)?.recipe == .uv(locked: true))
    }

    @Test func aForcedManagerWithoutItsFilesIsAnError() throws {
        #expect(throws: PythonEnvironmentError.missingProjectFiles(manager: .poetry, expected: ["pyproject.toml"])) {
            try plan(["requirements.txt": "six\n"], dependencies: .poetry)
        }
        do {
            _ = try plan(["train.py": ""], dependencies: .conda)
            Issue.record("expected an error")
        } catch let error as PythonEnvironmentError {
            #expect(error.description.contains("environment.yml"))
            #expect(error.hint?.contains("dependencies: conda") == true)
        }
    }

    @Test func pythonAloneGivesAnEmptyVenvOfThatVersion() throws {
        let plan = try #require(try plan(["train.py": ""], python: "3.10"))
        #expect(plan.recipe == .emptyVenv)
        #expect(plan.interpreter?.version == "3.10.13")
        #expect(plan.key.hasPrefix("venv-py3.10.13-"))
    }

    @Test func poetryInstallsItsNonOptionalGroups() throws {
        let pyproject = """
            [tool.poetry]
            name = "x"
            [tool.poetry.dependencies]
            python = ">=3.9"
            [tool.poetry.group.test.dependencies]
            pytest = "*"
            [tool.poetry.group.docs]
            optional = true
            [tool.poetry.group.docs.dependencies]
            sphinx = "*"
            [tool.poetry.dev-dependencies]
            black = "*"
            """
        #expect(try plan(["pyproject.toml": pyproject])?.recipe == .poetry(locked: false, groups: ["test", "dev"]))
    }

    // MARK: - Python versions

    @Test func eachManagersPinChoosesTheInterpreter() throws {
        #expect(try plan(["pyproject.toml": Self.poetryPyproject])?.interpreter?.version == "3.12.1", "^3.10: AME's default qualifies")
        let poetryPinned = Self.poetryPyproject.replacingOccurrences(of: "^3.10", with: "~3.10")
        #expect(try plan(["pyproject.toml": poetryPinned])?.interpreter?.version == "3.10.13")
        let inline = Self.poetryPyproject.replacingOccurrences(of: "\"^3.10\"", with: "{ version = \"3.12\", source = \"x\" }")
        #expect(try plan(["pyproject.toml": inline])?.interpreter?.version == "3.12.1")
        #expect(try plan(["pyproject.toml": Self.uvPyproject, ".python-version": "3.10\n"])?.interpreter?.version == "3.10.13")
        #expect(try plan(["pyproject.toml": Self.uvPyproject, ".python-version": "cpython@3.12\n"])?.interpreter?.version == "3.12.1")
        let requires = Self.uvPyproject.replacingOccurrences(of: "version = \"0.1\"", with: "version = \"0.1\"\nrequires-python = \">=3.9,<3.11\"")
        #expect(try plan(["pyproject.toml": requires])?.interpreter?.version == "3.10.13")
        #expect(try plan(["Pipfile": "[requires]\npython_version = \"3.9\"\n"])?.interpreter?.version == "3.9.18")
        #expect(try plan(["Pipfile": "[requires]\npython_version = \"3.9\"\npython_full_version = \"3.12.1\"\n"])?.interpreter?.version == "3.12.1")
        #expect(try plan(["requirements.txt": "six\n", ".python-version": "3.12.1\n"])?.interpreter?.version == "3.12.1")
        #expect(try plan(["requirements.txt": "six\n", ".python-version": "my-pyenv-virtualenv\n"])?.interpreter?.version == "3.12.1")
        #expect(try plan(["python_env.yaml": "python: \"3.9.18\"\ndependencies: [six]\n"])?.interpreter?.version == "3.9.18")
    }

    @Test func pythonVersionFileComesBeforeTheManagersPin() throws {
        #expect(try plan(["pyproject.toml": Self.poetryPyproject, ".python-version": "3.12.1\n"])?.interpreter?.version == "3.12.1")
        #expect(try plan(["Pipfile": "[requires]\npython_version = \"3.9\"\n", ".python-version": "3.10\n"])?.interpreter?.version == "3.10.13")
        #expect(try plan(["pyproject.toml": Self.poetryPyproject, ".python-version": "3.12.1\n"], python: "3.9")?.interpreter?.version == "3.9.18")
    }

    /// One rule everywhere (docs/ame-yaml.md, "Which Python"): without a pin, AME's default, which
    /// `ame image init` and the Kubernetes default image use too, not this user's python3.
    @Test func withoutAPinAMEsDefaultPython() throws {
        #expect(PythonDefault.version == "3.12")
        let plan = try #require(try plan(["requirements.txt": "six\n"]))
        #expect(plan.interpreter?.version == "3.12.1", "the catalog's first (the user's python3) is 3.11.7")
        #expect(!plan.description.contains("not on this machine"))
        // A machine without it: its python3, and the log line says why.
        let without = PythonInterpreterCatalog(interpreters: catalog.interpreters.filter { !$0.version.hasPrefix("3.12") })
        let fallback = try #require(try self.plan(["requirements.txt": "six\n"], catalog: without))
        #expect(fallback.interpreter?.version == "3.11.7")
        #expect(fallback.description.contains("Python 3.12, AME's default, is not on this machine"), "\(fallback.description)")
        // A range that allows it takes it; an exact pin is the pin.
        #expect(try self.plan(["Pipfile": "[requires]\npython_version = \"3.10\"\n"])?.interpreter?.version == "3.10.13")
    }

    @Test func pythonInAmeYamlOverridesTheProject() throws {
        let plan = try #require(try plan(["pyproject.toml": Self.poetryPyproject], python: "3.12"))
        #expect(plan.interpreter?.version == "3.12.1")
    }

    @Test func pythonInAmeYamlThatIsAbsentIsAnError() throws {
        #expect(throws: PythonEnvironmentError.pythonUnavailable(requirement: "3.8", origin: "python: \"3.8\" in ame.yaml",
                                                                 available: ["3.12.1", "3.11.7", "3.10.13", "3.9.18"])) {
            try plan(["requirements.txt": "six\n"], python: "3.8")
        }
    }

    /// Poetry pins 3.10.9 exactly; this machine's interpreters (3.10.9 left out, should it
    /// have that one) are other versions.
    @Test func aPinnedPythonThisMachineLacksFailsBeforeTheRun() async throws {
        let found = await PythonTestSupport.catalog()
        try #require(!found.interpreters.isEmpty)
        let catalog = PythonInterpreterCatalog(interpreters: found.interpreters.filter { $0.version != "3.10.9" })
        let pyproject = Self.poetryPyproject.replacingOccurrences(of: "^3.10", with: "3.10.9")
        do {
            _ = try plan(["pyproject.toml": pyproject, "poetry.lock": ""], catalog: catalog)
            Issue.record("expected an error")
        } catch let error as PythonEnvironmentError {
            let text = error.description
            #expect(text.contains("needs Python 3.10.9"))
            #expect(text.contains("python = \"3.10.9\" in pyproject.toml [tool.poetry.dependencies]"))
            for version in catalog.availableVersions { #expect(text.contains(version)) }
            #expect(error.hint?.contains("pyenv install 3.10.9") == true)
            #expect(error.hint?.contains("python:") == true)
        }
    }

    @Test func anUnreadableProjectPinIsAnError() throws {
        let pyproject = Self.poetryPyproject.replacingOccurrences(of: "^3.10", with: "three point ten")
        #expect(throws: PythonEnvironmentError.unreadablePythonRequirement(
            requirement: "three point ten", origin: "python = \"three point ten\" in pyproject.toml [tool.poetry.dependencies]")) {
            try plan(["pyproject.toml": pyproject])
        }
    }

    // MARK: - Keys

    @Test func theSameFilesGiveTheSameKeyInAnyProject() throws {
        let first = try #require(try plan(["requirements.txt": "six==1.17.0\n", "train.py": "a"]))
        let second = try #require(try plan(["requirements.txt": "six==1.17.0\n", "train.py": "b"]))
        let changed = try #require(try plan(["requirements.txt": "six==1.16.0\n"]))
        let otherPython = try #require(try plan(["requirements.txt": "six==1.17.0\n"], python: "3.10"))
        #expect(first.key == second.key)
        #expect(first.contentHash == second.contentHash)
        #expect(first.key != changed.key)
        #expect(first.key != otherPython.key)
        #expect(first.key.hasPrefix("pip-py3.12.1-"))
    }

    @Test func includedRequirementFilesAreHashedToo() throws {
        let base = ["requirements.txt": "-r base/common.txt\n", "base/common.txt": "-c pins.txt\nsix\n", "base/pins.txt": "six==1.17.0\n"]
        let plan = try #require(try plan(base))
        #expect(plan.lockFiles == ["requirements.txt", "base/common.txt", "base/pins.txt"])
        var changed = base
        changed["base/pins.txt"] = "six==1.16.0\n"
        #expect(try self.plan(changed)?.key != plan.key)
        #expect(throws: PythonEnvironmentError.self) { try self.plan(["requirements.txt": "-r missing.txt\n"]) }
    }

    @Test func anEditableInstallTiesTheEnvironmentToItsProject() throws {
        let first = try #require(try plan(["requirements.txt": "-e .\nsix\n"]))
        let second = try #require(try plan(["requirements.txt": "-e .\nsix\n"]))
        #expect(first.key != second.key)
    }

    @Test func condaTakesPythonFromTheFileOrFromAmeYaml() throws {
        let pinned = "name: x\ndependencies:\n  - python=3.10  # pinned\n  - numpy\n  - pip:\n    - six\n"
        #expect(try plan(["environment.yml": pinned], python: "3.12")?.recipe == .conda(file: "environment.yml", python: nil))
        let open = "name: x\ndependencies:\n  - numpy\n"
        let plan = try #require(try plan(["environment.yaml": open], python: "3.12"))
        #expect(plan.recipe == .conda(file: "environment.yaml", python: "3.12"))
        #expect(plan.interpreter == nil)
        #expect(plan.key.hasPrefix("conda-py3.12-"))
    }
}
