import AMEPluginKit
import ArgumentParser
import Foundation

/// `ame image init`: writes a Containerfile for the project — the base image, the Python
/// dependencies in a cached layer of their own, the project's code last.
struct InitImage: AMEPluginCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Write a Containerfile for the project (base image, locked dependencies, code).")

    @Option(name: .long, help: ArgumentHelp("The base image (default: python:VERSION-slim for the project's Python).", valueName: "image"))
    var base: String?

    @Option(name: .long, help: ArgumentHelp("The registry repository the project's images go to (remembered in the Containerfile).", valueName: "repository"))
    var repository: String?

    @Option(name: .long, help: ArgumentHelp("The Containerfile to write, relative to the project.", valueName: "path"),
            completion: .file())
    var file = Containerfile.defaultName

    @Flag(name: .long, help: "Replace an existing Containerfile.")
    var force = false

    @Flag(help: "Print the result as JSON on stdout (messages stay on stderr).")
    var json = false

    func run(host: AMEHost) async throws -> PluginOutcome {
        host.printsJSON = json
        let project = try await ProjectSnapshot.load(host)
        if let base { _ = try ImageName.argument(base, what: "--base:") }
        if let repository {
            let name = try ImageName.argument(repository, what: "--repository:")
            guard name.tag == nil, name.digest == nil else {
                throw PluginFailure("--repository takes a repository without a tag: '\(name.repository)', not '\(repository)'",
                                    hint: "each build gets its own tag", exitCode: 64)
            }
        }
        let target = project.directory.appendingPathComponent(file)
        if FileManager.default.fileExists(atPath: target.path) && !force {
            throw PluginFailure("\(file) already exists in \(project.directory.path)",
                                hint: "edit it, or pass --force to write a new one in its place")
        }
        let dependencies = PythonDependencies.detect(in: project)
        let python = PythonDependencies.pythonVersion(in: project)
        let baseImage = base ?? Containerfile.defaultBase(python: python, dependencies: dependencies)
        let text = Containerfile.render(project: project.name, base: baseImage,
                                        python: dependencies?.manager == .conda ? nil : (python ?? (base == nil ? Containerfile.defaultPython : nil)),
                                        dependencies: dependencies, repository: repository)
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: target)
        let ignore = project.directory.appendingPathComponent(Containerfile.ignoreFile)
        let wroteIgnore = !FileManager.default.fileExists(atPath: ignore.path)
            && !FileManager.default.fileExists(atPath: project.directory.appendingPathComponent(".dockerignore").path)
        if wroteIgnore { try Data(Containerfile.ignoreFileText().utf8).write(to: ignore) }

        host.print("wrote \(file): FROM \(baseImage)")
        if let dependencies {
            host.print("  dependencies: \(dependencies.manager.rawValue) (\(dependencies.reason)), installed in a layer cached until \(dependencies.files.joined(separator: ", ")) change")
        } else {
            host.print("  dependencies: none found (add RUN steps to the Containerfile for what the tasks need)")
        }
        if wroteIgnore { host.print("wrote \(Containerfile.ignoreFile) (what 'COPY . .' leaves out)") }
        host.print("next: ame image build --push\(repository == nil ? " --tag REGISTRY/NAME:TAG" : "")")
        var data: [String: JSONValue] = ["file": .string(target.path), "base": .string(baseImage)]
        if let dependencies {
            data["dependencies"] = ["manager": .string(dependencies.manager.rawValue), "files": .array(dependencies.files.map(JSONValue.string))]
        }
        if let python { data["python"] = .string(python) }
        if let repository { data["repository"] = .string(repository) }
        return PluginOutcome(exitCode: 0, data: .object(data))
    }
}
