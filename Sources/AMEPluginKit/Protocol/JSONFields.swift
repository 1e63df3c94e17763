/// Reads the fields of a JSON object by hand, with errors that name the field's path
/// (`'commands[0].name' is missing`), for the documents AME reads on every start.
public struct JSONFields {
    public struct Problem: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    public let object: [String: JSONValue]
    public let path: String

    public init(_ value: JSONValue, path: String = "") throws(Problem) {
        guard case .object(let object) = value else {
            throw Problem(description: path.isEmpty ? "it is not a JSON object" : "'\(path)' is not an object")
        }
        self.object = object
        self.path = path
    }

    func name(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func missing(_ key: String) -> Problem { Problem(description: "'\(name(key))' is missing") }
    func wrong(_ key: String, _ kind: String) -> Problem { Problem(description: "'\(name(key))' is not \(kind)") }

    public func string(_ key: String) throws(Problem) -> String {
        guard let value = try optionalString(key) else { throw missing(key) }
        return value
    }

    public func optionalString(_ key: String) throws(Problem) -> String? {
        switch object[key] {
        case nil, .null?: return nil
        case .string(let value)?: return value
        default: throw wrong(key, "a string")
        }
    }

    public func integer(_ key: String) throws(Problem) -> Int64 {
        guard let value = try optionalInteger(key) else { throw missing(key) }
        return value
    }

    public func optionalInteger(_ key: String) throws(Problem) -> Int64? {
        switch object[key] {
        case nil, .null?: return nil
        case let value?:
            guard let integer = value.integerValue else { throw wrong(key, "an integer") }
            return integer
        }
    }

    public func bool(_ key: String) throws(Problem) -> Bool {
        guard let value = try optionalBool(key) else { throw missing(key) }
        return value
    }

    public func optionalBool(_ key: String) throws(Problem) -> Bool? {
        switch object[key] {
        case nil, .null?: return nil
        case .bool(let value)?: return value
        default: throw wrong(key, "true or false")
        }
    }

    public func optionalArray(_ key: String) throws(Problem) -> [JSONValue]? {
        switch object[key] {
        case nil, .null?: return nil
        case .array(let value)?: return value
        default: throw wrong(key, "an array")
        }
    }

    public func array(_ key: String) throws(Problem) -> [JSONValue] {
        guard let value = try optionalArray(key) else { throw missing(key) }
        return value
    }

    public func optionalStrings(_ key: String) throws(Problem) -> [String]? {
        guard let array = try optionalArray(key) else { return nil }
        var strings: [String] = []
        for (position, element) in array.enumerated() {
            guard case .string(let value) = element else { throw Problem(description: "'\(name(key))[\(position)]' is not a string") }
            strings.append(value)
        }
        return strings
    }

    /// The elements of an array of objects, each with its own path.
    public func objects<T>(_ key: String, required: Bool = false,
                           _ make: (JSONFields) throws(Problem) -> T) throws(Problem) -> [T]? {
        guard let array = required ? try self.array(key) : try optionalArray(key) else { return nil }
        var result: [T] = []
        for (position, element) in array.enumerated() {
            result.append(try make(try JSONFields(element, path: "\(name(key))[\(position)]")))
        }
        return result
    }

    public func nested(_ key: String) throws(Problem) -> JSONFields {
        guard let value = object[key], value != .null else { throw missing(key) }
        return try JSONFields(value, path: name(key))
    }
}
