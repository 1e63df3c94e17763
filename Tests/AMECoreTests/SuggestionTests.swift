import AMECore
import Testing

@Suite("Suggestion")
struct SuggestionTests {
    static let taskKeys = ["runcommand", "pipeline", "secrets", "env", "resources", "artifacts", "image",
                           "python", "dependencies", "installer", "retry", "timeout", "ports", "data"]

    @Test("finds the likely meaning of a typo", arguments: [
        ("runcomand", "runcommand"),
        ("runcommnad", "runcommand"),
        ("RUNCOMMAND", "runcommand"),
        ("secret", "secrets"),
        ("resource", "resources"),
        ("pipe", "pipeline"),
        ("dependancies", "dependencies"),
        ("timout", "timeout"),
        ("instaler", "installer"),
        ("enviroment", nil),
        ("foo", nil),
        ("x", nil),
    ] as [(String, String?)])
    func closestTaskKey(word: String, expected: String?) {
        #expect(Suggestion.closest(to: word, in: Self.taskKeys) == expected)
    }

    @Test func commands() {
        let commands = ["create", "validate", "tasks", "help"]
        #expect(Suggestion.closest(to: "tsaks", in: commands) == "tasks")
        #expect(Suggestion.closest(to: "valdiate", in: commands) == "validate")
        #expect(Suggestion.closest(to: "deploy", in: commands) == nil)
    }

    @Test func noCandidates() {
        #expect(Suggestion.closest(to: "anything", in: [String]()) == nil)
    }

    @Test("edit distance counts a transposition as one edit", arguments: [
        ("", "", 0), ("", "abc", 3), ("abc", "", 3), ("abc", "abc", 0),
        ("ab", "ba", 1), ("kitten", "sitting", 3), ("tsaks", "tasks", 1),
        ("runcomand", "runcommand", 1), ("é", "e", 1),
    ])
    func editDistance(a: String, b: String, distance: Int) {
        #expect(Suggestion.editDistance(a, b) == distance)
        #expect(Suggestion.editDistance(b, a) == distance)
    }
}
