@testable import AMEEngine
import Testing

/// The small TOML and YAML readers see the facts detection needs and are not fooled by
/// the shapes around them.
@Suite struct ProjectFileReadingTests {
    @Test func tomlTablesKeysAndMultilineValues() {
        let toml = #"""
            # comment
            [project]
            name = "demo"  # trailing comment
            requires-python = ">=3.9,<3.13"
            dependencies = [
                "numpy>=1.0",
                "[not a table]",  # inside an array
            ]
            description = """
            [tool.fake]
            """

            [tool.poetry.group.test.dependencies]
            pytest = { version = "^8", optional = false }

            [[tool.uv.index]]
            url = 'https://example.com/simple'

            [tool."quoted.name"]
            x.y = 1
            """#
        let scanner = TOMLScanner(toml)
        #expect(scanner.string(["project", "requires-python"]) == ">=3.9,<3.13")
        #expect(scanner.string(["project", "name"]) == "demo")
        #expect(scanner.contains(["tool", "uv"]))
        #expect(!scanner.contains(["tool", "fake"]))
        #expect(scanner.childTables(of: ["tool", "poetry", "group"]) == ["test"])
        #expect(scanner.value(["tool", "quoted.name", "x", "y"]) == .raw("1"))
        if case .raw(let raw)? = scanner.value(["tool", "poetry", "group", "test", "dependencies", "pytest"]) {
            #expect(TOMLScanner.inlineString(raw, key: "version") == "^8")
        } else {
            Issue.record("inline table not read")
        }
        #expect(TOMLScanner.inlineString(#"{ markers = "a, b", version = ">=3.9,<3.12" }"#, key: "version") == ">=3.9,<3.12")
    }

    @Test func yamlScalarsAndLists() {
        let yaml = """
            # MLflow
            python: "3.10.9"
            build_dependencies:
              - pip
              - setuptools==69.0 # pinned
            dependencies:
            - six==1.17.0
            - -r requirements.txt
            - pip:
                - nested
            channels: [conda-forge, 'defaults']
            name: demo
            """
        let document = SimpleYAMLDocument(yaml)
        #expect(document.scalars["python"] == "3.10.9")
        #expect(document.scalars["name"] == "demo")
        #expect(document.lists["build_dependencies"] == ["pip", "setuptools==69.0"])
        #expect(document.lists["dependencies"] == ["six==1.17.0", "-r requirements.txt"])
        #expect(document.lists["channels"] == ["conda-forge", "defaults"])
    }
}
