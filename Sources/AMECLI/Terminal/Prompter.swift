/// Questions asked on a terminal, each answer checked before it is accepted.
public struct Prompter: Sendable {
    public let terminal: any Terminal

    public init(terminal: any Terminal) {
        self.terminal = terminal
    }

    /// Asks until `validate` accepts the answer (it returns an error message or nil).
    /// An empty answer takes `defaultValue`. Throws at end of input.
    public func ask(
        _ question: String,
        default defaultValue: String? = nil,
        hidden: Bool = false,
        validate: (String) -> String? = { _ in nil }
    ) throws -> String {
        let style = terminal.errorStyle
        let suffix = defaultValue.map { style.dim(" [\($0)]") } ?? ""
        while true {
            guard let line = terminal.readLine(prompt: "\(style.bold("?")) \(question)\(suffix): ", hidden: hidden) else {
                throw CLIError("input ended before '\(question)' was answered", hint: "answer the question, or pass the values as flags")
            }
            var answer = line.trimmingCharacters(in: .whitespaces)
            if answer.isEmpty, let defaultValue { answer = defaultValue }
            if let problem = validate(answer) {
                terminal.errLine("  \(style.red("✗")) \(problem)")
                continue
            }
            return answer
        }
    }

    /// Yes or no.
    public func confirm(_ question: String, default defaultValue: Bool) throws -> Bool {
        let answer = try ask("\(question) (y/n)", default: defaultValue ? "y" : "n") { text in
            ["y", "yes", "n", "no"].contains(text.lowercased()) ? nil : "answer y or n"
        }
        return answer.lowercased().hasPrefix("y")
    }

    /// One of `options`, by number or by name.
    public func choose(_ question: String, options: [String], default defaultIndex: Int = 0) throws -> String {
        for (index, option) in options.enumerated() {
            terminal.errLine("  \(index + 1)) \(option)")
        }
        let answer = try ask(question, default: options.indices.contains(defaultIndex) ? options[defaultIndex] : nil) { text in
            if let number = Int(text), options.indices.contains(number - 1) { return nil }
            if options.contains(text) { return nil }
            return "choose 1-\(options.count) or type one of the names"
        }
        if let number = Int(answer), options.indices.contains(number - 1) { return options[number - 1] }
        return answer
    }
}
