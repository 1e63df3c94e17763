// Hand-written JSON mapping of the messages every session exchanges (see `JSONParser`
// for why not `Codable` on this path). Host-method parameters keep using `Codable`.

extension InitializeParams {
    public var json: JSONValue {
        [
            "protocolVersion": .integer(Int64(protocolVersion)),
            "ameVersion": .string(ameVersion),
            "context": context.json,
        ]
    }

    public init(json: JSONValue) throws(JSONFields.Problem) {
        let fields = try JSONFields(json)
        self.init(protocolVersion: Int(try fields.integer("protocolVersion")), ameVersion: try fields.string("ameVersion"),
                  context: try SessionContext(fields: try fields.nested("context")))
    }
}

extension SessionContext {
    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "workingDirectory": .string(workingDirectory), "server": .string(server), "output": .string(output),
            "tty": ["stdin": .bool(tty.stdin), "stdout": .bool(tty.stdout), "stderr": .bool(tty.stderr)],
            "color": .bool(color), "width": .integer(Int64(width)),
        ]
        if let projectDirectory { object["projectDirectory"] = .string(projectDirectory) }
        return .object(object)
    }

    init(fields: JSONFields) throws(JSONFields.Problem) {
        let tty = try fields.nested("tty")
        self.init(
            workingDirectory: try fields.string("workingDirectory"), projectDirectory: try fields.optionalString("projectDirectory"),
            server: try fields.string("server"), output: try fields.string("output"),
            tty: TTY(stdin: try tty.bool("stdin"), stdout: try tty.bool("stdout"), stderr: try tty.bool("stderr")),
            color: try fields.optionalBool("color") ?? false, width: Int(try fields.optionalInteger("width") ?? 80))
    }
}

extension RunParams {
    public var json: JSONValue { ["argv": .array(argv.map(JSONValue.string))] }

    public init(json: JSONValue) throws(JSONFields.Problem) {
        self.init(argv: try JSONFields(json).optionalStrings("argv") ?? [])
    }
}

extension RunResult {
    public var json: JSONValue {
        var object: [String: JSONValue] = ["exitCode": .integer(Int64(exitCode))]
        if let data { object["data"] = data }
        return .object(object)
    }

    public init(json: JSONValue) throws(JSONFields.Problem) {
        let fields = try JSONFields(json)
        let code = try fields.integer("exitCode")
        guard let exitCode = Int32(exactly: code) else { throw JSONFields.Problem(description: "'exitCode' is out of range") }
        self.init(exitCode: exitCode, data: fields.object["data"])
    }
}

extension InitializeResult {
    public var json: JSONValue { ["protocolVersion": .integer(Int64(protocolVersion))] }

    public init(json: JSONValue) throws(JSONFields.Problem) {
        self.init(protocolVersion: Int(try JSONFields(json).integer("protocolVersion")))
    }
}

extension OutputParams {
    public init(json: JSONValue) throws(JSONFields.Problem) {
        self.init(text: try JSONFields(json).string("text"))
    }
}

extension LogParams {
    public init(json: JSONValue) throws(JSONFields.Problem) {
        let fields = try JSONFields(json)
        let levelName = try fields.optionalString("level") ?? "info"
        guard let level = Level(rawValue: levelName) else {
            throw JSONFields.Problem(description: "'level' is '\(levelName)', not debug, info, warning or error")
        }
        self.init(level: level, message: try fields.string("message"))
    }
}

extension ProgressParams {
    public init(json: JSONValue) throws(JSONFields.Problem) {
        let fields = try JSONFields(json)
        self.init(title: try fields.string("title"), done: try fields.optionalInteger("done"), total: try fields.optionalInteger("total"),
                  detail: try fields.optionalString("detail"), finished: try fields.optionalBool("finished"))
    }
}

extension OutputParams {
    public var json: JSONValue { ["text": .string(text)] }
}

extension LogParams {
    public var json: JSONValue { ["level": .string(level.rawValue), "message": .string(message)] }
}

extension ProgressParams {
    public var json: JSONValue {
        var object: [String: JSONValue] = ["title": .string(title)]
        if let done { object["done"] = .integer(done) }
        if let total { object["total"] = .integer(total) }
        if let detail { object["detail"] = .string(detail) }
        if let finished { object["finished"] = .bool(finished) }
        return .object(object)
    }
}
