// Hand-written JSON mapping of the describe document: AME reads it (from its cache) on
// every start that touches plugins, and `JSONDecoder` would cost more than the rest of
// dispatch (see `JSONParser`). `Codable` conformance stays for everything else.

extension PluginDescription {
    public init(json: JSONValue) throws(JSONFields.Problem) {
        let fields = try JSONFields(json)
        let range = try fields.nested("protocol")
        self.init(
            schemaVersion: Int(try fields.integer("schemaVersion")),
            name: try fields.string("name"),
            version: try fields.string("version"),
            vendor: try fields.string("vendor"),
            shortDescription: try fields.string("shortDescription"),
            protocol: ProtocolRange(min: Int(try range.integer("min")), max: Int(try range.integer("max"))),
            options: try fields.objects("options", OptionDescription.init(fields:)),
            arguments: try fields.objects("arguments", ArgumentDescription.init(fields:)),
            commands: try fields.objects("commands", required: true, CommandDescription.init(fields:)) ?? [])
    }

    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "schemaVersion": .integer(Int64(schemaVersion)), "name": .string(name), "version": .string(version),
            "vendor": .string(vendor), "shortDescription": .string(shortDescription),
            "protocol": ["min": .integer(Int64(`protocol`.min)), "max": .integer(Int64(`protocol`.max))],
            "commands": .array(commands.map(\.json)),
        ]
        if let options { object["options"] = .array(options.map(\.json)) }
        if let arguments { object["arguments"] = .array(arguments.map(\.json)) }
        return .object(object)
    }
}

extension CommandDescription {
    init(fields: JSONFields) throws(JSONFields.Problem) {
        self.init(
            name: try fields.string("name"), abstract: try fields.optionalString("abstract"),
            options: try fields.objects("options", OptionDescription.init(fields:)),
            arguments: try fields.objects("arguments", ArgumentDescription.init(fields:)),
            commands: try fields.objects("commands", CommandDescription.init(fields:)))
    }

    var json: JSONValue {
        var object: [String: JSONValue] = ["name": .string(name)]
        if let abstract { object["abstract"] = .string(abstract) }
        if let options { object["options"] = .array(options.map(\.json)) }
        if let arguments { object["arguments"] = .array(arguments.map(\.json)) }
        if let commands { object["commands"] = .array(commands.map(\.json)) }
        return .object(object)
    }
}

extension OptionDescription {
    init(fields: JSONFields) throws(JSONFields.Problem) {
        guard let names = try fields.optionalStrings("names") else { throw fields.missing("names") }
        self.init(
            names: names, help: try fields.optionalString("help"), takesValue: try fields.bool("takesValue"),
            valueName: try fields.optionalString("valueName"), repeating: try fields.optionalBool("repeating"),
            completion: try CompletionDescription(optional: fields, key: "completion"))
    }

    var json: JSONValue {
        var object: [String: JSONValue] = ["names": .array(names.map(JSONValue.string)), "takesValue": .bool(takesValue)]
        if let help { object["help"] = .string(help) }
        if let valueName { object["valueName"] = .string(valueName) }
        if let repeating { object["repeating"] = .bool(repeating) }
        if let completion { object["completion"] = completion.json }
        return .object(object)
    }
}

extension ArgumentDescription {
    init(fields: JSONFields) throws(JSONFields.Problem) {
        self.init(
            name: try fields.string("name"), help: try fields.optionalString("help"),
            optional: try fields.optionalBool("optional"), repeating: try fields.optionalBool("repeating"),
            completion: try CompletionDescription(optional: fields, key: "completion"))
    }

    var json: JSONValue {
        var object: [String: JSONValue] = ["name": .string(name)]
        if let help { object["help"] = .string(help) }
        if let optional { object["optional"] = .bool(optional) }
        if let repeating { object["repeating"] = .bool(repeating) }
        if let completion { object["completion"] = completion.json }
        return .object(object)
    }
}

extension CompletionDescription {
    /// The completion under `key` of `fields`, nil when absent.
    init?(optional fields: JSONFields, key: String) throws(JSONFields.Problem) {
        guard let value = fields.object[key], value != .null else { return nil }
        try self.init(fields: JSONFields(value, path: fields.name(key)))
    }

    init(fields: JSONFields) throws(JSONFields.Problem) {
        let kindName = try fields.string("kind")
        guard let kind = Kind(rawValue: kindName) else {
            throw JSONFields.Problem(description: "'\(fields.name("kind"))' is '\(kindName)', not one of \(CompletionDescription.kindNames)")
        }
        self.init(kind: kind, extensions: try fields.optionalStrings("extensions"), values: try fields.optionalStrings("values"))
    }

    var json: JSONValue {
        var object: [String: JSONValue] = ["kind": .string(kind.rawValue)]
        if let extensions { object["extensions"] = .array(extensions.map(JSONValue.string)) }
        if let values { object["values"] = .array(values.map(JSONValue.string)) }
        return .object(object)
    }
}
