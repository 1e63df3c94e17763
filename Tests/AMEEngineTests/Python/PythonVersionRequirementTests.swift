import AMEEngine
import Testing

@Suite struct PythonVersionRequirementTests {
    static let cases: [(requirement: String, accepts: [String], rejects: [String])] = [
        ("3.11", ["3.11.0", "3.11.7"], ["3.10.13", "3.12.1"]),
        ("3.11.7", ["3.11.7"], ["3.11.6", "3.11.8"]),
        ("3", ["3.6.15", "3.13.0"], []),
        ("3.11.*", ["3.11.2"], ["3.12.0"]),
        ("==3.11.*", ["3.11.2"], ["3.10.0"]),
        ("==3.11", ["3.11.0"], ["3.11.7"]),
        (">=3.9,<3.12", ["3.9.0", "3.11.7"], ["3.8.18", "3.12.0"]),
        (">= 3.9, < 3.12", ["3.10.1"], ["3.12.1"]),
        (">=3.8 <3.11", ["3.10.13"], ["3.11.0"]),
        ("^3.10", ["3.10.0", "3.13.0"], ["3.9.18", "4.0.0"]),
        ("^3.10.2", ["3.10.2"], ["3.10.1"]),
        ("~3.10", ["3.10.13"], ["3.11.0", "3.9.0"]),
        ("~3.10.2", ["3.10.5"], ["3.10.1", "3.11.0"]),
        ("~=3.10", ["3.10.0", "3.13.0"], ["3.9.18", "4.0"]),
        ("~=3.10.2", ["3.10.9"], ["3.11.0", "3.10.1"]),
        ("!=3.11.*,>=3.10", ["3.10.1", "3.12.0"], ["3.11.4", "3.9.0"]),
        (">3.10", ["3.10.1"], ["3.10.0"]),
        ("<=3.10", ["3.10.0"], ["3.10.1"]),
        ("3.8 || 3.11", ["3.8.18", "3.11.7"], ["3.10.13"]),
        ("*", ["3.6.15"], []),
    ]

    @Test(arguments: cases.indices)
    func matchesVersions(_ index: Int) throws {
        let (text, accepts, rejects) = Self.cases[index]
        let requirement = try #require(PythonVersionRequirement(text))
        for version in accepts {
            #expect(requirement.isSatisfied(by: try #require(PythonVersion(version))), "\(text) should accept \(version)")
        }
        for version in rejects {
            #expect(!requirement.isSatisfied(by: try #require(PythonVersion(version))), "\(text) should reject \(version)")
        }
    }

    @Test func unreadableRequirementsAreNil() {
        for text in ["", "latest", ">=three", "3.x", "~=3", ">=3.*"] {
            #expect(PythonVersionRequirement(text) == nil, "'\(text)'")
        }
    }

    @Test func versionsParseAndCompare() throws {
        #expect(PythonVersion("3.13.0rc1")?.description == "3.13.0")
        #expect(PythonVersion("3.11")?.components == 2)
        #expect(try #require(PythonVersion("3.9.18")) < #require(PythonVersion("3.10.0")))
        #expect(PythonVersion("3.11") == PythonVersion("3.11.0"))
        #expect(PythonVersion("abc") == nil)
    }

    // MARK: - Choosing among interpreters

    /// The user's default (first) is 3.11.7; others are older and newer.
    let catalog = PythonInterpreterCatalog(interpreters: [
        PythonInterpreter(path: "/py/3.11.7", version: "3.11.7"),
        PythonInterpreter(path: "/py/3.12.1", version: "3.12.1"),
        PythonInterpreter(path: "/py/3.10.13", version: "3.10.13"),
        PythonInterpreter(path: "/usr/bin/python3.11", version: "3.11.2"),
        PythonInterpreter(path: "/py/3.13.0", version: "3.13.0"),
        PythonInterpreter(path: "/py/3.9.18", version: "3.9.18"),
    ])

    @Test func noRequirementMeansTheUsersDefault() {
        #expect(catalog.best(matching: nil as String?)?.path == "/py/3.11.7")
    }

    @Test func theDefaultWinsWhenItQualifies() {
        #expect(catalog.best(matching: "3.11")?.path == "/py/3.11.7")
        #expect(catalog.best(matching: ">=3.9")?.path == "/py/3.11.7")
    }

    @Test func otherwiseTheNewestMatchWins() {
        #expect(catalog.best(matching: ">=3.9,<3.11")?.version == "3.10.13")
        #expect(catalog.best(matching: "^3.12")?.version == "3.13.0")
        #expect(catalog.best(matching: "~3.9")?.version == "3.9.18")
        #expect(catalog.best(matching: "3.11.2")?.path == "/usr/bin/python3.11")
        #expect(catalog.best(matching: "3.12")?.version == "3.12.1")
    }

    @Test func nothingMatchesIsNil() {
        #expect(catalog.best(matching: "3.10.9") == nil)
        #expect(catalog.best(matching: ">=3.14") == nil)
        #expect(catalog.best(matching: "not a version") == nil)
    }

    @Test func availableVersionsAreDistinctAndNewestFirst() {
        #expect(catalog.availableVersions == ["3.13.0", "3.12.1", "3.11.7", "3.11.2", "3.10.13", "3.9.18"])
    }
}
