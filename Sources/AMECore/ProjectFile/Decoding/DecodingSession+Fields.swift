import Foundation
import Yams

/// The typed task fields: resources, artifacts, image, python, dependencies, retry,
/// timeout, ports and data.
extension DecodingSession {
    static let resourceKeys = ["cpu", "memory", "storage", "gpus", "vram"]

    func decodeResources(_ node: Node, keyNode: Node, owner: String) -> Resources {
        var resources = Resources()
        if node.null != nil { return resources }
        guard let pairs = mapping(node, what: "'resources' of \(owner)", hint: "write cpu, memory, storage, gpus or vram under 'resources:'") else {
            return resources
        }
        for (key, fieldKey, value) in pairs {
            switch key {
            case "cpu":
                resources.cpu = quantity(value, keyNode: fieldKey, field: "cpu", owner: owner, isBytes: false)
            case "memory":
                resources.memory = quantity(value, keyNode: fieldKey, field: "memory", owner: owner, isBytes: true)
            case "storage":
                resources.storage = quantity(value, keyNode: fieldKey, field: "storage", owner: owner, isBytes: true)
            case "vram":
                resources.vram = quantity(value, keyNode: fieldKey, field: "vram", owner: owner, isBytes: true)
            case "gpus":
                resources.gpus = integer(value, what: "'gpus' of \(owner)", range: 0...1024, hint: "a whole number of GPUs, such as 1")
            default:
                unknownKey(key, keyNode: fieldKey, in: "in 'resources' of \(owner)", allowed: Self.resourceKeys)
            }
        }
        return resources
    }

    private func quantity(_ node: Node, keyNode: Node, field: String, owner: String, isBytes: Bool) -> Quantity? {
        let example = isBytes ? "8Gi" : "2 or 500m"
        guard case .scalar(let scalar) = node, !(node.null != nil && scalar.style == .plain) else {
            if node.null != nil {
                error("'\(field)' of \(owner) is empty", at: keyNode, hint: "write a quantity such as \(example)")
            } else {
                error("'\(field)' of \(owner) must be a quantity such as \(example), not \(describe(node))", at: node)
            }
            return nil
        }
        do {
            return try QuantityField.parse(scalar.string, isBytes: isBytes)
        } catch {
            self.error("'\(field)' of \(owner) \(error.message)", at: node, hint: error.hint)
            return nil
        }
    }

    // MARK: Artifacts

    func decodeArtifacts(_ node: Node, keyNode: Node, owner: String) -> ArtifactsSpec? {
        switch node {
        case .scalar, .sequence:
            if node.null != nil { return nil }
            guard let paths = stringList(node, what: "'artifacts' of \(owner)", keyNode: keyNode) else { return nil }
            return ArtifactsSpec(paths: checkedGlobs(paths, node: node, owner: owner))
        case .mapping:
            guard let pairs = mapping(node, what: "'artifacts' of \(owner)") else { return nil }
            var spec = ArtifactsSpec()
            for (key, fieldKey, value) in pairs {
                switch key {
                case "paths":
                    if let paths = stringList(value, what: "'artifacts.paths' of \(owner)", keyNode: fieldKey) {
                        spec.paths = checkedGlobs(paths, node: value, owner: owner)
                    }
                case "destination":
                    if let text = scalarString(value, what: "'artifacts.destination' of \(owner)", keyNode: fieldKey) {
                        if let problem = S3URL.problem(in: text) {
                            error("'artifacts.destination' of \(owner) \(problem)", at: value, hint: "write it as s3://BUCKET/PREFIX/ (with {run}, {task}, {project} or {date} if you like)")
                        } else {
                            spec.destination = text
                        }
                    }
                case "local":
                    if let flag = bool(value, what: "'artifacts.local' of \(owner)") { spec.local = flag }
                case "secret":
                    spec.secret = scalarString(value, what: "'artifacts.secret' of \(owner)", keyNode: fieldKey)
                    if let name = spec.secret, !Names.isValidSecretName(name) {
                        error("secret name '\(name)' may only contain letters, digits, '.', '_' and '-'", at: value)
                        spec.secret = nil
                    }
                case "endpoint":
                    spec.endpoint = scalarString(value, what: "'artifacts.endpoint' of \(owner)", keyNode: fieldKey)
                    if let text = spec.endpoint, URL(string: text)?.scheme.map({ ["http", "https"].contains($0) }) != true {
                        error("endpoint '\(text)' of \(owner) must be an http:// or https:// URL", at: value)
                        spec.endpoint = nil
                    }
                case "region":
                    spec.region = scalarString(value, what: "'artifacts.region' of \(owner)", keyNode: fieldKey)
                case "from":
                    if let text = scalarString(value, what: "'artifacts.from' of \(owner)", keyNode: fieldKey) {
                        if let nodes = ArtifactsSpec.Nodes(rawValue: text.lowercased()) {
                            spec.from = nodes
                        } else {
                            error("'artifacts.from' of \(owner) must be 0 (rank 0's files) or all (every node's), not '\(text)'", at: value,
                                  hint: "with 'from: all', node N's files come back in node-N/")
                        }
                    }
                default:
                    unknownKey(key, keyNode: fieldKey, in: "in 'artifacts' of \(owner)",
                               allowed: ["paths", "destination", "local", "secret", "endpoint", "region", "from"])
                }
            }
            if !spec.local && spec.destination == nil {
                warning("'artifacts' of \(owner) has 'local: false' but no 'destination': its files go nowhere", at: node,
                        hint: "add 'destination: s3://BUCKET/PREFIX/{run}/', or remove 'local: false'")
            }
            return spec
        }
    }

    private func checkedGlobs(_ globs: [String], node: Node, owner: String) -> [String] {
        globs.filter { glob in
            if glob.hasPrefix("/") || glob.split(separator: "/").contains("..") {
                error("artifact path '\(glob)' of \(owner) points outside the project", at: node,
                      hint: "artifact globs are relative to the project directory, such as 'models/*.pkl'")
                return false
            }
            if glob.isEmpty {
                error("an artifact path of \(owner) is empty", at: node)
                return false
            }
            return true
        }
    }

    // MARK: Image, python, dependencies

    func decodeImage(_ node: Node, keyNode: Node, owner: String) -> String? {
        guard let text = scalarString(node, what: "'image' of \(owner)", keyNode: keyNode) else { return nil }
        do {
            _ = try ImageReference(parsing: text)
            return text
        } catch {
            var location = self.location(of: node)
            location.column += error.offset + scalarContentOffset(node)
            self.error("invalid image reference '\(text)' in \(owner): \(error.message)", at: location,
                       hint: error.hint ?? "an image reference looks like registry.example.com/team/name:tag")
            return nil
        }
    }

    func decodePythonVersion(_ node: Node, keyNode: Node, owner: String) -> String? {
        guard let text = scalarString(node, what: "'python' of \(owner)", keyNode: keyNode) else { return nil }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...3).contains(parts.count), parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } }) else {
            error("'python' of \(owner) must be a version such as 3.11, not '\(text)'", at: node, hint: "write 'python: \"3.11\"'")
            return nil
        }
        return text
    }

    func decodeDependencies(_ node: Node, keyNode: Node, owner: String) -> DependencyManager? {
        guard let text = scalarString(node, what: "'dependencies' of \(owner)", keyNode: keyNode) else { return nil }
        if let manager = DependencyManager(rawValue: text.lowercased()) { return manager }
        let names = DependencyManager.allCases.map(\.rawValue)
        let hint = Suggestion.closest(to: text, in: names).map { "did you mean '\($0)'?" } ?? "use one of \(names.joined(separator: ", "))"
        error("unknown dependency manager '\(text)' in \(owner)", at: node, hint: hint)
        return nil
    }

    func decodeInstaller(_ node: Node, keyNode: Node, owner: String) -> PackageInstaller? {
        guard let text = scalarString(node, what: "'installer' of \(owner)", keyNode: keyNode) else { return nil }
        if let installer = PackageInstaller(rawValue: text.lowercased()) { return installer }
        let names = PackageInstaller.allCases.map(\.rawValue)
        let hint = Suggestion.closest(to: text, in: names).map { "did you mean '\($0)'?" } ?? "use one of \(names.joined(separator: ", "))"
        error("unknown installer '\(text)' in \(owner)", at: node, hint: hint)
        return nil
    }

    // MARK: Retry and timeout

    func decodeRetry(_ node: Node, keyNode: Node, owner: String) -> RetryPolicy? {
        if node.null != nil { return nil }
        guard let pairs = mapping(node, what: "'retry' of \(owner)", hint: "for example 'retry: {attempts: 2, oom: {factor: 2, max_memory: 16Gi}}'") else {
            return nil
        }
        var policy = RetryPolicy()
        for (key, fieldKey, value) in pairs {
            switch key {
            case "attempts":
                if let attempts = integer(value, what: "'retry.attempts' of \(owner)", range: 1...100, hint: "the total number of tries, 1 meaning no retry") {
                    policy.attempts = attempts
                }
            case "oom":
                policy.oom = decodeOOMRetry(value, keyNode: fieldKey, owner: owner)
            default:
                unknownKey(key, keyNode: fieldKey, in: "in 'retry' of \(owner)", allowed: ["attempts", "oom"])
            }
        }
        return policy
    }

    private func decodeOOMRetry(_ node: Node, keyNode: Node, owner: String) -> OOMRetry? {
        if case .scalar(let scalar) = node, scalar.style == .plain, let flag = node.bool {
            return flag ? OOMRetry() : nil
        }
        if node.null != nil { return OOMRetry() }
        guard let pairs = mapping(node, what: "'retry.oom' of \(owner)", hint: "for example 'oom: {factor: 2, max_memory: 16Gi}', or 'oom: true'") else {
            return nil
        }
        var retry = OOMRetry()
        for (key, fieldKey, value) in pairs {
            switch key {
            case "factor":
                guard case .scalar(let scalar) = value, let factor = Double(scalar.string), factor.isFinite else {
                    error("'retry.oom.factor' of \(owner) must be a number, not \(describe(value))", at: value, hint: "for example 'factor: 2'")
                    continue
                }
                guard factor > 1, factor <= 16 else {
                    error("'retry.oom.factor' of \(owner) must be more than 1 and at most 16, not \(scalar.string)", at: value,
                          hint: "memory is multiplied by this factor for each retry")
                    continue
                }
                retry.factor = factor
            case "max_memory":
                retry.maxMemory = quantity(value, keyNode: fieldKey, field: "retry.oom.max_memory", owner: owner, isBytes: true)
            default:
                unknownKey(key, keyNode: fieldKey, in: "in 'retry.oom' of \(owner)", allowed: ["factor", "max_memory"])
            }
        }
        return retry
    }

    func decodeTimeout(_ node: Node, keyNode: Node, owner: String) -> Int? {
        guard let text = scalarString(node, what: "'timeout' of \(owner)", keyNode: keyNode) else { return nil }
        guard let seconds = DurationText.seconds(parsing: text), seconds > 0 else {
            error("'timeout' of \(owner) must be a duration such as 90s, 30m, 2h or 1h30m, not '\(text)'", at: node,
                  hint: "a bare number counts seconds")
            return nil
        }
        return seconds
    }

    // MARK: Ports and data

    func decodePorts(_ node: Node, owner: String) -> [PortSpec] {
        var ports: [PortSpec] = []
        let items: [Node]
        switch node {
        case .scalar:
            if node.null != nil { return [] }
            items = [node]
        case .sequence(let sequence): items = Array(sequence)
        case .mapping: items = [node]
        }
        for item in items {
            var spec: PortSpec?
            if case .mapping = item {
                guard let pairs = mapping(item, what: "a port of \(owner)") else { continue }
                var number: Int?
                var name: String?
                for (key, fieldKey, value) in pairs {
                    switch key {
                    // 0: a free port, chosen when the run starts (as plugins may ask for).
                    case "port": number = integer(value, what: "'port' of \(owner)", range: 0...65535,
                                                  hint: "ports are numbers such as 8888, or 0 for a free one")
                    case "name": name = scalarString(value, what: "a port name of \(owner)", keyNode: fieldKey)
                    default: unknownKey(key, keyNode: fieldKey, in: "in a port of \(owner)", allowed: ["port", "name"])
                    }
                }
                if let number { spec = PortSpec(port: number, name: name) }
                else if !pairs.contains(where: { $0.key == "port" }) {
                    error("a port of \(owner) has no 'port'", at: item, hint: "add 'port: 8888'")
                }
            } else if let number = integer(item, what: "a port of \(owner)", range: 0...65535, hint: "ports are numbers such as 8888, or 0 for a free one") {
                spec = PortSpec(port: number)
            }
            if let spec {
                if spec.port != 0, ports.contains(where: { $0.port == spec.port }) {
                    error("\(owner) lists port \(spec.port) twice", at: item)
                } else {
                    ports.append(spec)
                }
            }
        }
        return ports
    }

    func decodeData(_ node: Node, owner: String) -> [DataSource] {
        let items: [Node]
        switch node {
        case .scalar:
            if node.null != nil { return [] }
            error("'data' of \(owner) must be a list of {source, path}, not \(describe(node))", at: node,
                  hint: "write '- source: s3://bucket/prefix' with 'path: data/' under it")
            return []
        case .sequence(let sequence): items = Array(sequence)
        case .mapping: items = [node]
        }
        var result: [DataSource] = []
        for item in items {
            guard let pairs = mapping(item, what: "a data source of \(owner)", hint: "each has 'source: s3://…' and 'path: DIR'") else { continue }
            var source: String?, path: String?, secret: String?, endpoint: String?, region: String?
            for (key, fieldKey, value) in pairs {
                switch key {
                case "source":
                    if let text = scalarString(value, what: "'source' of a data source in \(owner)", keyNode: fieldKey) {
                        if let problem = S3URL.problem(in: text) {
                            error("data source '\(text)' of \(owner) \(problem)", at: value, hint: "write it as s3://BUCKET/KEY-OR-PREFIX")
                        } else {
                            source = text
                        }
                    }
                case "path":
                    if let text = scalarString(value, what: "'path' of a data source in \(owner)", keyNode: fieldKey) {
                        if text.hasPrefix("/") || text.split(separator: "/").contains("..") {
                            error("data path '\(text)' of \(owner) points outside the project", at: value, hint: "use a path relative to the project, such as data/")
                        } else {
                            path = text
                        }
                    }
                case "secret":
                    secret = scalarString(value, what: "'secret' of a data source in \(owner)", keyNode: fieldKey)
                    if let name = secret, !Names.isValidSecretName(name) {
                        error("secret name '\(name)' may only contain letters, digits, '.', '_' and '-'", at: value)
                        secret = nil
                    }
                case "endpoint":
                    endpoint = scalarString(value, what: "'endpoint' of a data source in \(owner)", keyNode: fieldKey)
                    if let text = endpoint, URL(string: text)?.scheme.map({ ["http", "https"].contains($0) }) != true {
                        error("endpoint '\(text)' of \(owner) must be an http:// or https:// URL", at: value)
                        endpoint = nil
                    }
                case "region":
                    region = scalarString(value, what: "'region' of a data source in \(owner)", keyNode: fieldKey)
                default:
                    unknownKey(key, keyNode: fieldKey, in: "in a data source of \(owner)", allowed: ["source", "path", "secret", "endpoint", "region"])
                }
            }
            let keys = Set(pairs.map(\.key))
            if !keys.contains("source") { error("a data source of \(owner) has no 'source'", at: item, hint: "add 'source: s3://BUCKET/PREFIX'") }
            if !keys.contains("path") { error("a data source of \(owner) has no 'path'", at: item, hint: "add 'path: data/', where the files land in the project") }
            if let source, let path {
                result.append(DataSource(source: source, path: path, secret: secret, endpoint: endpoint, region: region))
            }
        }
        return result
    }
}
