import AMETestSupport
import AMECore
import Foundation
import Testing


/// Random edits to a project file: the kinds of damage hands and tools do to YAML.
struct Mutator {
    static let noise: [Unicode.Scalar] = Array(":-{}[]\"'\t #&*!|>%@?,`=\\~".unicodeScalars)
        + ["\r", "\n", "\u{0}", "\u{7}", "\u{FEFF}", "\u{2028}", "\u{85}", "\u{A0}", "é", "Ω", "你", "\u{0301}", "\u{1F680}", "\u{10FFFF}", "\u{FFFD}"]
    static let fragments = [
        ": ", "- ", "&a ", "*a", "!!str ", "!!binary ", "!!int ", "? ", "|\n", ">-\n", "---\n", "...\n", "%YAML 1.2\n",
        "<<: *a", "{", "}", "[", "]", "\"", "'", "#", "~", "null", "true", "0x1F", ".inf", "1e999", "-", "99999999999999999999",
        "@daily", "*/0", "8Gi", "\t", "    ", "tasks:", "pipeline:", "needs: [", "runcommand:",
    ]

    var random: SplitMix64

    mutating func int(_ upper: Int) -> Int { upper <= 0 ? 0 : Int.random(in: 0..<upper, using: &random) }

    mutating func mutate(_ source: String) -> String {
        var text = source
        for _ in 0...int(3) { text = mutateOnce(text) }
        return text
    }

    mutating func mutateOnce(_ source: String) -> String {
        var lines = source.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var scalars = Array(source.unicodeScalars)
        switch int(11) {
        case 0 where !lines.isEmpty: // delete a line
            lines.remove(at: int(lines.count))
        case 1 where !lines.isEmpty: // duplicate a line
            let index = int(lines.count)
            lines.insert(lines[index], at: index)
        case 2 where lines.count > 1: // swap two lines
            lines.swapAt(int(lines.count), int(lines.count))
        case 3 where !lines.isEmpty: // change a line's indentation
            let index = int(lines.count)
            let body = lines[index].drop { $0 == " " }
            let indent = lines[index].count - body.count
            let newIndent = max(0, indent + [-3, -2, -1, 1, 2, 3][int(6)])
            lines[index] = (int(5) == 0 ? "\t" : String(repeating: " ", count: newIndent)) + body
        case 4: // insert noise characters
            for _ in 0...int(4) {
                scalars.insert(Self.noise[int(Self.noise.count)], at: int(scalars.count + 1))
            }
            return Self.string(scalars)
        case 5: // insert a YAML fragment
            let fragment = Array(Self.fragments[int(Self.fragments.count)].unicodeScalars)
            scalars.insert(contentsOf: fragment, at: int(scalars.count + 1))
            return Self.string(scalars)
        case 6 where !scalars.isEmpty: // replace a character
            scalars[int(scalars.count)] = Self.noise[int(Self.noise.count)]
            return Self.string(scalars)
        case 7: // truncate
            return Self.string(Array(scalars.prefix(int(scalars.count + 1))))
        case 8 where !scalars.isEmpty: // delete a run of characters
            let start = int(scalars.count)
            scalars.removeSubrange(start..<min(scalars.count, start + 1 + int(8)))
            return Self.string(scalars)
        case 9 where !lines.isEmpty: // move a line elsewhere
            let line = lines.remove(at: int(lines.count))
            lines.insert(line, at: int(lines.count + 1))
        default: // CRLF line ends or a stray BOM
            return int(2) == 0 ? source.replacingOccurrences(of: "\n", with: "\r\n") : "\u{FEFF}" + source
        }
        return lines.joined(separator: "\n")
    }

    static func string(_ scalars: [Unicode.Scalar]) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        return String(view)
    }
}

@Suite("Decoder robustness")
struct DecoderRobustnessTests {
    /// What every decode must satisfy, whatever the input: no trap (the test would not
    /// finish), and an invalid file has at least one error, each at a real position.
    static func problems(decoding source: String) -> [String] {
        problems(in: ProjectFileDecoder(source: source, file: "ame.yaml").decode(), source: source)
    }

    static func problems(in result: ProjectFileDecoder.Result, source: String) -> [String] {
        if result.isValid { return [] }
        var problems: [String] = []
        if result.errors.isEmpty {
            problems.append("invalid without an error (project: \(result.project == nil ? "nil" : "set"))")
        }
        let lineCount = lineCount(source)
        for error in result.errors where error.line < 1 || error.column < 1 || error.line > lineCount + 1 {
            problems.append("bad position: \(error)")
        }
        return problems
    }

    /// Lines as libyaml counts them: `\n`, `\r\n`, a lone `\r`, NEL, LS and PS each end one.
    static func lineCount(_ source: String) -> Int {
        var count = 1
        var previousWasCR = false
        for scalar in source.unicodeScalars {
            defer { previousWasCR = scalar == "\r" }
            if scalar == "\n" && previousWasCR { continue }
            if ["\n", "\r", "\u{85}", "\u{2028}", "\u{2029}"].contains(scalar) { count += 1 }
        }
        return count
    }

    @Test("random mutations of valid files never trap and always get positioned errors")
    func fuzzMutations() throws {
        let seeds = try FixtureFiles.validProjectFiles.map { try FixtureFiles.text($0) }
        #expect(seeds.count >= 4)
        for seed in seeds {
            #expect(ProjectFileDecoder(source: seed).decode().isValid)
        }
        // AME_FUZZ_SEED and AME_FUZZ_SECONDS allow a longer hunt; the defaults keep it short.
        let environment = ProcessInfo.processInfo.environment
        let seed = environment["AME_FUZZ_SEED"].flatMap { UInt64($0) } ?? 0xA3E_2024
        let seconds = environment["AME_FUZZ_SECONDS"].flatMap { Double($0) } ?? 3
        let limit = environment["AME_FUZZ_SECONDS"] == nil ? 20_000 : Int.max
        var mutator = Mutator(random: SplitMix64(seed: seed))
        let deadline = Date().addingTimeInterval(seconds)
        var tried = 0, valid = 0
        var failures: [String] = []
        while tried < limit && Date() < deadline {
            let input = mutator.mutate(seeds[tried % seeds.count])
            tried += 1
            let result = ProjectFileDecoder(source: input, file: "ame.yaml").decode()
            if result.isValid { valid += 1 }
            let problems = Self.problems(in: result, source: input)
            if !problems.isEmpty && failures.count < 5 {
                failures.append("seed \(seed), mutation #\(tried): \(problems.joined(separator: "; "))\n--- input ---\n\(input)")
            }
        }
        #expect(tried >= 200, "only \(tried) mutations decoded in 3 seconds")
        #expect(valid < tried, "no mutation was invalid: the mutator is not mutating")
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n\n"))")
    }

    @Test("an alias bomb (billion laughs) stops with an error instead of expanding")
    func aliasBomb() {
        var source = "projectname: bomb\nlol0: &l0 [\"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\"]\n"
        for level in 1...9 {
            let previous = Array(repeating: "*l\(level - 1)", count: 9).joined(separator: ", ")
            source += "lol\(level): &l\(level) [\(previous)]\n"
        }
        // Put the bomb where the decoder walks into it, too.
        source += "tasks:\n  train:\n    runcommand: python train.py\n    needs: *l9\n    artifacts: *l9\n    env: *l9\n    ports: *l9\n"
        let start = Date()
        let result = ProjectFileDecoder(source: source).decode()
        #expect(Date().timeIntervalSince(start) < 10)
        #expect(!result.isValid)
        #expect(Self.problems(decoding: source).isEmpty)
        #expect(result.errors.count < 1000)
    }

    @Test("a merge-key alias bomb is bounded too")
    func mergeKeyBomb() {
        var source = "projectname: bomb\ntasks:\n  base0: &b0 {runcommand: x}\n"
        for level in 1...20 {
            source += "  base\(level): &b\(level)\n    <<: [*b\(level - 1), *b\(level - 1)]\n    runcommand: x\n"
        }
        // Expanded naively, the last task merges 2^20 copies of the first.
        let start = Date()
        let result = ProjectFileDecoder(source: source).decode()
        #expect(Date().timeIntervalSince(start) < 10)
        #expect(result.errors.count < 1000)
        #expect(Self.problems(decoding: source).isEmpty)
    }

    static let tooDeep = "the file nests lists and mappings more than \(ProjectFileDecoder.maximumDepth) levels deep"

    @Test("10,000 levels of flow nesting are refused without overflowing the stack", arguments: ["[", "{a: "])
    func deepFlowNesting(opener: String) {
        let closer = opener == "[" ? "]" : "}"
        let source = "projectname: deep\ntasks:\n  train:\n    runcommand: python train.py\n    env: "
            + String(repeating: opener, count: 10_000) + String(repeating: closer, count: 10_000) + "\n"
        let result = ProjectFileDecoder(source: source).decode()
        #expect(result.project == nil)
        #expect(result.errors.map(\.message) == [Self.tooDeep])
        #expect(result.errors.first?.line == 5)
        #expect(Self.problems(decoding: source).isEmpty)
    }

    @Test("10,000 levels of block nesting ('- - - …') are refused without overflowing the stack")
    func deepBlockNesting() {
        let source = "projectname: deep\ntasks:\n  train:\n    runcommand: python train.py\n    ports:\n      "
            + String(repeating: "- ", count: 10_000) + "1\n"
        let result = ProjectFileDecoder(source: source).decode()
        #expect(result.errors.map(\.message) == [Self.tooDeep])
        #expect(result.errors.first?.line == 6)
        #expect(Self.problems(decoding: source).isEmpty)
    }

    @Test("nesting up to the limit is still read")
    func nestingBelowTheLimit() {
        // 95 levels of lists inside a task's artifacts: wrong for AME, but not too deep.
        let depth = ProjectFileDecoder.maximumDepth - 5
        let source = "projectname: deep\ntasks:\n  train:\n    runcommand: python train.py\n    artifacts: "
            + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "\n"
        let result = ProjectFileDecoder(source: source).decode()
        #expect(!result.errors.map(\.message).contains(Self.tooDeep))
        #expect(result.project != nil)
    }

    @Test("a 5 MB file is refused with a position, before it is parsed")
    func hugeFile() {
        var source = "projectname: huge\ntasks:\n  train:\n    runcommand: python train.py\n"
        let comment = "# " + String(repeating: "x", count: 97) + "\n"
        source += String(repeating: comment, count: 5 * 1024 * 1024 / comment.utf8.count + 1)
        #expect(source.utf8.count > 5_000_000)
        let start = Date()
        let result = ProjectFileDecoder(source: source).decode()
        #expect(Date().timeIntervalSince(start) < 5)
        #expect(result.project == nil)
        #expect(result.errors.map(\.message) == ["the file is larger than 4 MiB"])
        #expect(result.errors.first?.location == .start)
    }

    @Test("NUL and other control characters get an error with a position", arguments: ["\u{0}", "\u{1}", "\u{1B}", "\u{7F}"])
    func controlCharacters(character: String) {
        let source = "projectname: demo\ntasks:\n  train:\n    runcommand: python tr\(character)ain.py\n"
        let result = ProjectFileDecoder(source: source).decode()
        if !result.isValid {
            #expect(Self.problems(decoding: source).isEmpty)
        }
        let nul = "projectname: demo\u{0}\u{0}\u{0}\ntasks: {}\n"
        #expect(!ProjectFileDecoder(source: nul).decode().isValid)
        #expect(Self.problems(decoding: nul).isEmpty)
    }

    /// Inputs that have broken YAML readers before, by name (the name is what a failing
    /// test reports, rather than megabytes of input).
    static let nasty: [String: String] = {
        let inputs: [String: String] = [
            "nothing": "", "a space": " ", "blank lines": "\n\n\n", "tilde": "~", "null": "null",
            "document start only": "---", "document end only": "...", "block scalar document": "--- |\n  text",
            "empty list": "[]", "empty mapping": "{}", "a number": "42", "a string": "\"just a string\"",
            "a list": "- a\n- b", "projectname without value": "projectname:",
            "projectname as list": "projectname: [a, b]", "projectname as mapping": "projectname: {a: b}",
            "tasks as number": "projectname: demo\ntasks: 5",
            "complex key": "projectname: demo\ntasks:\n  ? [complex, key]\n  : runcommand: x",
            "explicit key without value": "projectname: demo\n? tasks\n",
            "task through an alias": "projectname: demo\ntasks:\n  train: &t\n    runcommand: x\n  again: *t\n",
            "huge numbers": "projectname: demo\ntasks:\n  t:\n    runcommand: x\n    resources: {cpu: 1e400, memory: 99999999999999999999Ei, gpus: 99999999999999999999}",
            "huge timeout": "projectname: demo\ntasks:\n  t:\n    runcommand: x\n    timeout: 99999999999999999999d",
            "nan factor": "projectname: demo\ntasks:\n  t:\n    runcommand: x\n    retry: {oom: {factor: .nan, max_memory: 1e400}}",
            "huge cron step": "projectname: demo\nrecurring_tasks:\n  r:\n    taskref: t\n    schedule: '*/99999999999999999999 * * * *'\ntasks:\n  t: {runcommand: x}",
            "overlapping cron lists": "projectname: demo\nrecurring_tasks:\n  r:\n    taskref: t\n    schedule: '0-59/1,0-59/1,0-59/1 0-23 1-31 1-12 0-7'\ntasks:\n  t: {runcommand: x}",
            "long image path": "projectname: demo\ntasks:\n  t:\n    runcommand: x\n    image: '" + String(repeating: "a/", count: 500) + "b'",
            "empty digest": "projectname: demo\ntasks:\n  t:\n    runcommand: x\n    image: 'a@sha256:'",
            "image of punctuation": "projectname: demo\ntasks:\n  t:\n    runcommand: x\n    image: ':::@@@'",
            "emoji task name": "projectname: demo\ntasks:\n  \u{1F680}:\n    runcommand: x",
            "byte order mark": "\u{FEFF}projectname: demo\ntasks: {}\n",
            "CRLF line ends": "projectname: demo\r\ntasks:\r\n  t:\r\n    runcommand: x\r\n",
            "CR line ends": "projectname: demo\rtasks:\r  t:\r    runcommand: x\r",
            "directives and tags": "%YAML 1.1\n%TAG ! tag:example.com,2000:\n---\nprojectname: !custom demo\n",
            "two documents": "projectname: demo\n---\nprojectname: second\n",
            "binary tag": "projectname: !!binary aGVsbG8=\ntasks: {}",
            "wrong int tag": "projectname: demo\ntasks:\n  t:\n    runcommand: !!int x",
            "literal block command": "projectname: demo\ntasks:\n  t:\n    runcommand: |\n      line one\n      line two\n",
            "unterminated escape": "'\\'",
            "lone surrogate escape": "\"\\uD800\"",
            "NUL escape": "projectname: \"\\x00\"\ntasks: {}",
            "undefined alias only": "a: *b",
            "self-referencing anchor": "&a [*a]",
            "100 KB of one word": String(repeating: "x", count: 100_000),
            "20,000 duplicate keys": String(repeating: "a: b\n", count: 20_000),
            "3,000 tasks with needs": "projectname: demo\ntasks:\n" + (0..<3000).map { "  t\($0):\n    runcommand: x\n    needs: [t\($0 + 1)]\n" }.joined(),
            "2,000-step cycle": "projectname: demo\ntasks:\n  p:\n    pipeline:\n" + (0..<2000).map { "      s\($0): {runcommand: x, needs: [s\(($0 + 1) % 2000)]}\n" }.joined(),
            "brackets in a block scalar": "projectname: demo\ntasks:\n  t:\n    runcommand: >\n      " + String(repeating: "[", count: 500) + "\n",
            "brackets in quotes": "projectname: demo\ntasks:\n  t:\n    runcommand: \"" + String(repeating: "[{", count: 500) + "\"\n",
            "brackets in a plain command": "projectname: demo\ntasks:\n  t:\n    runcommand: python -c x" + String(repeating: "[", count: 500) + "\n",
            "deep indentation": (0..<1500).map { String(repeating: " ", count: $0) + "k\($0):\n" }.joined(),
            "deep nesting after a quote": "projectname: demo\nk: it's\n  'a\n" + String(repeating: "[", count: 10_000),
            "deep nesting over lines": "a: [\n" + String(repeating: "[\n", count: 10_000),
            "deep explicit keys": String(repeating: "? ", count: 10_000) + "a",
            "deep anchored nesting": "a: " + String(repeating: "&x [", count: 10_000),
            "deep nesting after a document marker": "--- " + String(repeating: "[", count: 10_000),
            "deep nesting with line separators": "a:\u{2028}" + String(repeating: "- ", count: 10_000),
        ]
        return inputs
    }()

    @Test("hand-written nasty inputs", arguments: nasty.keys.sorted())
    func nastyInputs(name: String) throws {
        let source = try #require(Self.nasty[name])
        #expect(Self.problems(decoding: source).isEmpty)
    }
}
