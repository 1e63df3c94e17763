import Foundation

/// The `Containerfile` that `ame image init` writes, and what `ame image build` reads back
/// from whatever the user made of it.
enum Containerfile {
    static let defaultName = "Containerfile"
    static let ignoreFile = ".containerignore"
    /// Where the project's code lives in the image: the folder AME's Kubernetes Pods work in.
    static let workingDirectory = "/workspace"
    /// AME's default Python (AMECore's `PythonDefault.version`, which a test keeps equal).
    static let defaultPython = "3.12"
    /// The line that remembers the project's image repository.
    static let repositoryDirective = "# ame-image: repository="

    /// The labels every image of the project carries (also passed at build time, so an
    /// edited Containerfile cannot lose them).
    static func labels(project: String) -> [(String, String)] {
        [("org.opencontainers.image.title", project), ("dev.ame.project", project)]
    }

    /// The default base: the official Python image of the project's version, or a conda one.
    static func defaultBase(python: String?, dependencies: PythonDependencies?) -> String {
        if dependencies?.manager == .conda { return "docker.io/condaforge/miniforge3:latest" }
        return "docker.io/library/python:\(python ?? defaultPython)-slim"
    }

    static func render(project: String, base: String, python: String?, dependencies: PythonDependencies?, repository: String?) -> String {
        var lines: [String] = [
            "# The image of the AME project '\(project)', written by 'ame image init'.",
            "# Edit it freely: 'ame image build' builds it as it stands.",
        ]
        if let repository { lines.append(repositoryDirective + repository) }
        lines += [
            "FROM \(base)",
            "",
            "LABEL " + labels(project: project).map { "\($0.0)=\(quoted($0.1))" }.joined(separator: " \\\n      "),
        ]
        if let python { lines.append("LABEL dev.ame.python=\(quoted(python))") }
        lines += [
            "ENV PYTHONDONTWRITEBYTECODE=1 \\",
            "    PYTHONUNBUFFERED=1 \\",
            "    PIP_DISABLE_PIP_VERSION_CHECK=1 \\",
            "    PIP_NO_CACHE_DIR=1",
            "WORKDIR \(workingDirectory)",
            "",
        ]
        if let dependencies {
            lines += [
                "# The dependencies \(describe(dependencies)), in a layer of their own:",
                "# it is built again only when \(dependencies.files.joined(separator: " or ")) change\(dependencies.files.count == 1 ? "s" : "").",
                "COPY \(dependencies.files.joined(separator: " ")) ./",
            ]
            lines += install(dependencies).map { $0 }
        } else {
            lines += [
                "# No Python dependency files were found (requirements.txt, uv.lock, poetry.lock,",
                "# Pipfile.lock, environment.yml, …): add RUN steps for what the tasks need here.",
            ]
        }
        lines += [
            "",
            "# The project's code last, so that a change to it rebuilds only this layer.",
            "COPY . .",
            "",
        ]
        return lines.joined(separator: "\n")
    }

    static func describe(_ dependencies: PythonDependencies) -> String {
        switch dependencies.manager {
        case .pip: "of requirements.txt, installed with pip"
        case .uv: dependencies.locked ? "locked in uv.lock, installed with uv" : "of pyproject.toml, resolved and installed with uv"
        case .poetry: dependencies.locked ? "locked in poetry.lock, installed with Poetry" : "of pyproject.toml, installed with Poetry"
        case .pipenv: dependencies.locked ? "locked in Pipfile.lock, installed with pipenv" : "of the Pipfile, installed with pipenv"
        case .conda: "of \(dependencies.reason), installed with conda"
        case .mlflow: "of MLflow's python_env.yaml, installed with pip"
        }
    }

    /// The RUN step that installs the dependencies into the image's own Python (no venv:
    /// the image is the environment).
    static func install(_ dependencies: PythonDependencies) -> [String] {
        switch dependencies.manager {
        case .pip:
            return ["RUN pip install -r requirements.txt"]
        case .uv where dependencies.locked:
            return [
                "RUN pip install uv \\",
                " && uv export --frozen --no-emit-project --no-hashes -o /tmp/requirements.txt \\",
                " && uv pip install --system -r /tmp/requirements.txt \\",
                " && rm /tmp/requirements.txt",
            ]
        case .uv:
            return [
                "RUN pip install uv \\",
                " && uv pip compile pyproject.toml -o /tmp/requirements.txt \\",
                " && uv pip install --system -r /tmp/requirements.txt \\",
                " && rm /tmp/requirements.txt",
            ]
        case .poetry:
            return [
                "RUN pip install poetry \\",
                " && poetry config virtualenvs.create false \\",
                " && poetry install --no-root --no-interaction --no-ansi",
            ]
        case .pipenv:
            return ["RUN pip install pipenv && pipenv install --system \(dependencies.locked ? "--deploy" : "--skip-lock")"]
        case .conda:
            return ["RUN conda env update -n base -f \(dependencies.reason) && conda clean -afy"]
        case .mlflow:
            // Written from python_env.yaml as it is now: run 'ame image init --force' after changing it.
            return dependencies.packages.filter { !$0.isEmpty }.map { group in
                "RUN pip install " + group.map { $0.hasPrefix("-") ? $0 : shellQuoted($0) }.joined(separator: " ")
            }
        }
    }

    /// A word for `sh -c`: as it is when plain, else in single quotes.
    static func shellQuoted(_ word: String) -> String {
        if word.allSatisfy({ $0.isLetter || $0.isNumber || "-_.=/:+@,".contains($0) }) { return word }
        return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    static func quoted(_ value: String) -> String {
        "\"" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    static func ignoreFileText() -> String {
        """
        # Written by 'ame image init': what 'COPY . .' leaves out of the image.
        .git
        .ame
        .venv
        venv
        **/__pycache__
        **/*.pyc
        .build
        Containerfile
        .containerignore

        """
    }

    // MARK: Reading

    /// The repository remembered by `ame image init --repository`.
    static func repository(in text: String) -> String? {
        for line in text.split(whereSeparator: \.isNewline) where line.hasPrefix(repositoryDirective) {
            let value = line.dropFirst(repositoryDirective.count).trimmingCharacters(in: .whitespaces)
            if !value.isEmpty { return value }
        }
        return nil
    }

    /// The images of its `FROM` lines (not `scratch`, not earlier stages), in order.
    static func baseImages(in text: String) -> [String] {
        var stages = Set<String>()
        var images: [String] = []
        for raw in joinedLines(text) {
            let words = raw.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard words.first?.uppercased() == "FROM" else { continue }
            let arguments = words.dropFirst().filter { !$0.hasPrefix("--") }
            guard let image = arguments.first else { continue }
            if arguments.count >= 3, arguments[arguments.startIndex + 1].uppercased() == "AS" {
                stages.insert(arguments[arguments.startIndex + 2].lowercased())
            }
            if image.lowercased() != "scratch" && !stages.contains(image.lowercased()) && !image.contains("$") {
                images.append(image)
            }
        }
        return images
    }

    /// Instruction lines with `\` continuations joined and comments dropped.
    static func joinedLines(_ text: String) -> [String] {
        var result: [String] = []
        var current = ""
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if current.isEmpty && line.hasPrefix("#") { continue }
            if line.hasSuffix("\\") {
                current += line.dropLast() + " "
            } else {
                current += line
                if !current.trimmingCharacters(in: .whitespaces).isEmpty { result.append(current) }
                current = ""
            }
        }
        if !current.isEmpty { result.append(current) }
        return result
    }
}
