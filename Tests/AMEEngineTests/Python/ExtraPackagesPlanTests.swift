@testable import AMEEngine
import AMECore
import AMETestSupport
import Foundation
import Testing

/// A run's `extraPackages` (JupyterLab for a notebook session) on top of the project's
/// environment: part of the key, so the project's own environment stays as it is.
@Suite struct ExtraPackagesPlanTests {
    let catalog = PythonInterpreterCatalog(interpreters: [
        PythonInterpreter(path: "/py/3.11.7/bin/python3.11", version: "3.11.7"),
        PythonInterpreter(path: "/py/3.12.1/bin/python3.12", version: "3.12.1"),
    ])

    func plan(_ files: [String: String], python: String? = nil, dependencies: DependencyManager? = nil,
              extras: [String] = []) throws -> PythonEnvironmentPlan? {
        let temporary = try TemporaryDirectory()
        let project = try PythonTestSupport.project(temporary, files: files)
        return try PythonEnvironmentPlanner.plan(projectDirectory: project, python: python, dependencies: dependencies,
                                                 catalog: catalog, extraPackages: extras)
    }

    @Test func extrasGoOnTopOfTheProjectsEnvironmentUnderAKeyOfTheirOwn() throws {
        let project = try #require(try plan(["requirements.txt": "six\n"]))
        let withLab = try #require(try plan(["requirements.txt": "six\n"], extras: ["jupyterlab"]))
        #expect(withLab.recipe == project.recipe)
        #expect(withLab.extraPackages == ["jupyterlab"])
        #expect(withLab.key != project.key)
        #expect(withLab.key.hasPrefix("pip-py3.12.1-"))
        #expect(project.extraPackages.isEmpty)
        #expect(withLab.description.hasSuffix("plus jupyterlab"))
        // The order and repeats of the list do not make another environment.
        let reordered = try #require(try plan(["requirements.txt": "six\n"], extras: [" six ", "jupyterlab", "six", ""]))
        let sorted = try #require(try plan(["requirements.txt": "six\n"], extras: ["jupyterlab", "six"]))
        #expect(reordered.key == sorted.key)
        #expect(reordered.extraPackages == ["six", "jupyterlab"])
    }

    @Test func withoutProjectFilesExtrasGetAVenvOfTheirOwn() throws {
        #expect(try plan(["train.py": "print(1)\n"]) == nil)
        let lab = try #require(try plan(["train.py": "print(1)\n"], extras: ["jupyterlab"]))
        #expect(lab.recipe == .emptyVenv)
        #expect(lab.interpreter?.version == "3.12.1")
        #expect(lab.key.hasPrefix("venv-py3.12.1-"))
        // Any project without Python files shares it.
        #expect(try plan(["other.sh": "echo\n"], extras: ["jupyterlab"])?.key == lab.key)
        #expect(try plan([:], python: "3.12", extras: ["jupyterlab"])?.interpreter?.version == "3.12.1")
    }

    @Test func dependenciesNoneStillGetsTheExtras() throws {
        #expect(try plan(["requirements.txt": "six\n"], dependencies: DependencyManager.none) == nil)
        let lab = try #require(try plan(["requirements.txt": "six\n"], dependencies: DependencyManager.none, extras: ["jupyterlab"]))
        #expect(lab.recipe == .emptyVenv)
        #expect(lab.lockFiles.isEmpty)
    }
}
