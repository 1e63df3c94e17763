import AMECore
import Testing

@Suite("ProjectFileEditor.settingImage: one value changed, every other byte kept")
struct ProjectFileEditorImageTests {
    func edit(_ source: String, task: String, step: String? = nil, image: String) throws -> ProjectFileEditor.ImageEdit {
        try ProjectFileEditor(source: source).settingImage(task: task, step: step, image: image)
    }

    @Test("a task without an image gets a line after its last key, at its keys' indentation")
    func addsLine() throws {
        let source = """
            projectname: demo
            tasks:
                train:        # four-space indentation
                    runcommand: |
                        python train.py
                        echo done
                    # a comment that belongs to train
                evaluate:
                    runcommand: python evaluate.py
            """
        let result = try edit(source, task: "train", image: "ghcr.io/team/train:1")
        #expect(result.source == """
            projectname: demo
            tasks:
                train:        # four-space indentation
                    runcommand: |
                        python train.py
                        echo done
                    image: ghcr.io/team/train:1
                    # a comment that belongs to train
                evaluate:
                    runcommand: python evaluate.py
            """)
        #expect(result.location == SourceLocation(line: 7, column: 16))
        #expect(result.previous == nil)
        #expect(result.changed)
    }

    @Test("the last task of the file, with and without a final newline")
    func lastTask() throws {
        let source = "projectname: demo\ntasks:\n  train:\n    runcommand: python train.py\n"
        #expect(try edit(source, task: "train", image: "x/y:1").source == source + "    image: x/y:1\n")
        let bare = "projectname: demo\ntasks:\n  train:\n    runcommand: python train.py"
        #expect(try edit(bare, task: "train", image: "x/y:1").source == bare + "\n    image: x/y:1")
    }

    @Test("an existing image is replaced where it stands, keeping its quotes and its comment")
    func replaces() throws {
        let plain = "projectname: demo\ntasks:\n  train:\n    image: python:3.11   # pinned\n    runcommand: python train.py\n"
        let result = try edit(plain, task: "train", image: "ghcr.io/team/train:2")
        #expect(result.source == "projectname: demo\ntasks:\n  train:\n    image: ghcr.io/team/train:2   # pinned\n    runcommand: python train.py\n")
        #expect(result.previous == "python:3.11")
        #expect(result.location == SourceLocation(line: 4, column: 12))

        let quoted = "projectname: demo\ntasks:\n  train:\n    runcommand: python train.py\n    image: 'python:3.11'\n"
        #expect(try edit(quoted, task: "train", image: "a/b:1").source.hasSuffix("    image: 'a/b:1'\n"))
        let doubled = "projectname: demo\ntasks:\n  train:\n    runcommand: python train.py\n    image: \"python:3.11\"\n"
        #expect(try edit(doubled, task: "train", image: "a/b:1").source.hasSuffix("    image: \"a/b:1\"\n"))

        let same = try edit(plain, task: "train", image: "python:3.11")
        #expect(!same.changed)
        #expect(same.source == plain)
    }

    @Test("pipeline steps: block and flow mappings; the pipeline's own image")
    func steps() throws {
        let source = """
            projectname: demo
            tasks:
              main:
                pipeline:
                  prepare: {runcommand: python prepare.py}
                  fit:
                    runcommand: python fit.py
                  score: {runcommand: python score.py, image: "a/score:1"}
            """
        var result = try edit(source, task: "main", step: "prepare", image: "127.0.0.1:5000/team/prep:2")
        #expect(result.source.contains("      prepare: {runcommand: python prepare.py, image: \"127.0.0.1:5000/team/prep:2\"}\n"))
        // The position of the value (its opening quote).
        #expect(result.location == SourceLocation(line: 5, column: 55))
        result = try edit(source, task: "main", step: "fit", image: "a/fit:1")
        #expect(result.source.contains("      fit:\n        runcommand: python fit.py\n        image: a/fit:1\n      score:"))
        result = try edit(source, task: "main", step: "score", image: "registry.example.com:5000/a/score:2")
        #expect(result.source.hasSuffix("      score: {runcommand: python score.py, image: \"registry.example.com:5000/a/score:2\"}"))
        #expect(result.previous == "a/score:1")
        // The task itself: after its pipeline, at the level of 'pipeline:'.
        result = try edit(source, task: "main", image: "a/main:1")
        #expect(result.source.hasSuffix("image: \"a/score:1\"}\n    image: a/main:1"))
        let reread = try ProjectFile.parse(result.source)
        #expect(reread.task(named: "main")?.image == "a/main:1")
        #expect(reread.task(named: "main")?.effectiveSteps.map(\.image) == ["a/main:1", "a/main:1", "a/score:1"])
    }

    @Test("a flow mapping over several lines, and an empty one")
    func flowEdges() throws {
        let multi = "projectname: demo\ntasks:\n  train: {runcommand: python train.py,\n          env: {A: '1'}}   # trailing\n"
        #expect(try edit(multi, task: "train", image: "a/b:1").source
            == "projectname: demo\ntasks:\n  train: {runcommand: python train.py,\n          env: {A: '1'}, image: \"a/b:1\"}   # trailing\n")
    }

    @Test("mistakes: unknown task or step, not a pipeline, a bad reference, an invalid file")
    func mistakes() throws {
        let source = "projectname: demo\ntasks:\n  train:\n    runcommand: python train.py\n  main:\n    pipeline:\n      fit: {runcommand: x}\n"
        #expect(throws: ProjectFileEditor.ImageEditError.taskNotFound(name: "trian", suggestion: "train")) {
            try edit(source, task: "trian", image: "a/b:1")
        }
        #expect(throws: ProjectFileEditor.ImageEditError.stepNotFound(task: "main", step: "fti", suggestion: "fit")) {
            try edit(source, task: "main", step: "fti", image: "a/b:1")
        }
        #expect(throws: ProjectFileEditor.ImageEditError.notAPipeline(task: "train")) {
            try edit(source, task: "train", step: "fit", image: "a/b:1")
        }
        do {
            _ = try edit(source, task: "train", image: "a/B:1")
            Issue.record("an uppercase repository was accepted")
        } catch let error as ProjectFileEditor.ImageEditError {
            guard case .invalidImage(_, let message, let hint) = error else { Issue.record("\(error)"); return }
            #expect(message == "image repository names must be lowercase")
            #expect(hint == "write 'b'")
        } catch {
            Issue.record("\(error)")
        }
        do {
            _ = try edit(source + "  bad:\n    runcomand: x\n", task: "train", image: "a/b:1")
            Issue.record("an invalid file was edited")
        } catch let error as ProjectFileEditor.ImageEditError {
            guard case .invalidProject = error else { Issue.record("\(error)"); return }
        } catch {
            Issue.record("\(error)")
        }
    }

    @Test("a task written through an alias is left to the user")
    func alias() throws {
        let source = "projectname: demo\ntasks:\n  train: &base\n    runcommand: python train.py\n  again: *base\n"
        #expect(throws: ProjectFileEditor.ImageEditError.self) {
            try edit(source, task: "again", image: "a/b:1")
        }
        // Editing the anchored task would change the alias too: not what was asked.
        #expect(throws: ProjectFileEditor.ImageEditError.self) {
            try edit(source, task: "train", image: "a/b:1")
        }
    }
}
