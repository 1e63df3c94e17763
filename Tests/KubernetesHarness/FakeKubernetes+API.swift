import Foundation
import Hummingbird
import NIOCore

/// The routes: `/api/v1/namespaces/NS/pods[/NAME[/log]]`, `…/secrets[/NAME]`, `…/services[/NAME]`
/// and `/apis/networking.k8s.io/v1/namespaces/NS/networkpolicies[/NAME]`.
extension FakeKubernetes {
    struct Route {
        var namespace: String
        var resource: ClusterState.Resource
        var name: String?
        var subresource: String?
    }

    static func route(_ path: String) -> Route? {
        var parts = path.split(separator: "/", omittingEmptySubsequences: true).map { $0.removingPercentEncoding ?? String($0) }
        // `/apis/GROUP/v1/…` reads as `/api/v1/…` of that group.
        var group = ""
        if parts.count >= 3, parts[0] == "apis", parts[2] == "v1" {
            group = parts[1]
            parts = ["api", "v1"] + parts.dropFirst(3)
        }
        guard parts.count >= 4, parts[0] == "api", parts[1] == "v1", parts[2] == "namespaces",
              parts.count >= 5, let resource = ClusterState.Resource(rawValue: parts[4]), resource.group == group else { return nil }
        return Route(namespace: parts[3], resource: resource, name: parts.count > 5 ? parts[5] : nil,
                     subresource: parts.count > 6 ? parts[6] : nil)
    }

    func respond(to request: Hummingbird.Request) async -> Response {
        var query: [String: String] = [:]
        for (key, value) in request.uri.queryParameters { query[String(key)] = String(value) }
        var body: JSON?
        let request = request
        if request.method == .post || request.method == .put {
            if let buffer = try? await request.body.collect(upTo: 16 << 20) {
                body = try? JSON.parse(Data(buffer.readableBytesView))
            }
        }
        let path = request.uri.path
        let method = request.method.rawValue
        if let status = record(Request(method: method, path: path, query: query, body: body)) {
            return Self.status(status, reason: status == 429 ? "TooManyRequests" : "InternalError",
                               message: status == 429 ? "the server is handling too many requests" : "injected fault (\(status))")
        }

        // Who is asking.
        let user: String
        if let header = request.headers[.authorization], header.hasPrefix("Bearer "), let name = options.tokens[String(header.dropFirst(7))] {
            user = name
        } else if options.pki != nil && options.requireClientCertificate {
            user = options.clientCertificateUser
        } else {
            return Self.status(401, reason: "Unauthorized", message: "Unauthorized")
        }

        guard let route = Self.route(path) else {
            return Response(status: .notFound, headers: [.contentType: "text/plain"], body: ResponseBody(byteBuffer: ByteBuffer(string: "404 page not found\n")))
        }
        let verb: String
        switch (request.method, route.name) {
        case (.get, nil): verb = query["watch"] == "true" || query["watch"] == "1" ? "watch" : "list"
        case (.get, _): verb = "get"
        case (.post, nil): verb = "create"
        case (.put, _): verb = "update"
        case (.delete, nil): verb = "deletecollection"
        case (.delete, _): verb = "delete"
        default:
            return Self.status(405, reason: "MethodNotAllowed", message: "the server does not allow this method on the requested resource")
        }
        let resourceName = route.resource.rawValue + (route.subresource.map { "/" + $0 } ?? "")
        if let role = options.role, !role.allows(verb: verb, resource: resourceName, apiGroup: route.resource.group) {
            let subject = route.name.map { "\(route.resource.rawValue) \"\($0)\"" } ?? route.resource.rawValue
            return Self.status(403, reason: "Forbidden",
                               message: "\(subject) is forbidden: User \"\(user)\" cannot \(verb) resource \"\(resourceName)\" in API group \"\(route.resource.group)\" in the namespace \"\(route.namespace)\"",
                               details: ["name": route.name.map { .string($0) } ?? .null, "kind": .string(route.resource.rawValue)])
        }

        switch (route.resource, verb, route.subresource) {
        case (.pods, "create", nil): return createPod(route, body)
        case (.pods, "get", nil): return getObject(route)
        case (.pods, "list", nil): return list(route, query)
        case (.pods, "watch", nil): return watch(route, query)
        case (.pods, "delete", nil): return await deletePod(route, query)
        case (.pods, "get", "log"): return podLog(route, query)
        case (.secrets, "create", nil): return createSecret(route, body)
        case (.secrets, "get", nil): return getObject(route)
        case (.secrets, "list", nil): return list(route, query)
        case (.secrets, "update", nil): return replaceSecret(route, body)
        case (.secrets, "delete", nil): return deleteSecret(route)
        case (.services, "create", nil): return createService(route, body)
        case (.services, "get", nil): return getObject(route)
        case (.services, "list", nil): return list(route, query)
        case (.services, "delete", nil): return deleteService(route)
        case (.networkpolicies, "create", nil): return createNetworkPolicy(route, body)
        case (.networkpolicies, "get", nil): return getObject(route)
        case (.networkpolicies, "list", nil): return list(route, query)
        case (.networkpolicies, "delete", nil): return deleteNetworkPolicy(route)
        default:
            return Self.status(404, reason: "NotFound", message: "the server could not find the requested resource")
        }
    }

    // MARK: Answers

    static func json(_ value: JSON, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: value.data())))
    }

    static func status(_ code: Int, reason: String, message: String, details: JSON? = nil) -> Response {
        var value: JSON = ["kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Failure",
                           "message": .string(message), "reason": .string(reason), "code": .number(Double(code))]
        if let details { value["details"] = details }
        return json(value, status: HTTPResponse.Status(code: code))
    }

    static func notFound(_ route: Route) -> Response {
        status(404, reason: "NotFound", message: "\(route.resource.rawValue) \"\(route.name ?? "")\" not found",
               details: ["name": .string(route.name ?? ""), "kind": .string(route.resource.rawValue)])
    }

    static func invalid(_ kind: String, _ name: String, _ causes: [(field: String, message: String, reason: String)]) -> Response {
        let text = causes.map { "\($0.field): \($0.message)" }.joined(separator: ", ")
        return status(422, reason: "Invalid", message: "\(kind) \"\(name)\" is invalid: \(causes.count > 1 ? "[\(text)]" : text)",
                      details: ["name": .string(name), "kind": .string(kind.lowercased() + "s"),
                                "causes": .array(causes.map { ["reason": .string($0.reason), "message": .string($0.message), "field": .string($0.field)] })])
    }

    private func getObject(_ route: Route) -> Response {
        guard let name = route.name, let object = state.get(route.resource, namespace: route.namespace, name: name) else {
            return Self.notFound(route)
        }
        return Self.json(object)
    }

    private func list(_ route: Route, _ query: [String: String]) -> Response {
        guard let selector = LabelSelector(query["labelSelector"]) else {
            return Self.status(400, reason: "BadRequest", message: "unable to parse requirement: invalid label selector")
        }
        let (items, version) = state.list(route.resource, namespace: route.namespace, selector: selector)
        let kind = switch route.resource {
        case .pods: "PodList"
        case .secrets: "SecretList"
        case .services: "ServiceList"
        case .networkpolicies: "NetworkPolicyList"
        }
        return Self.json(["kind": .string(kind), "apiVersion": "v1", "metadata": ["resourceVersion": .string(String(version))],
                          "items": .array(items.map { item in
                              var item = item
                              item["kind"] = .null
                              item["apiVersion"] = .null
                              return item
                          })])
    }

    struct BrokenWatch: Error {}

    private func watch(_ route: Route, _ query: [String: String]) -> Response {
        guard let selector = LabelSelector(query["labelSelector"]) else {
            return Self.status(400, reason: "BadRequest", message: "unable to parse requirement: invalid label selector")
        }
        let from = query["resourceVersion"].flatMap { Int($0) }
        let timeout = query["timeoutSeconds"].flatMap { Int($0) } ?? 1800
        switch state.watch(route.resource, namespace: route.namespace, selector: selector, from: from) {
        case .expired(let oldest):
            let status: JSON = ["kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Failure",
                                "message": .string("too old resource version: \(from ?? 0) (\(oldest))"), "reason": "Expired", "code": 410]
            return Response(status: .ok, headers: [.contentType: "application/json", .transferEncoding: "chunked"],
                            body: ResponseBody { writer in
                                let event: JSON = ["type": "ERROR", "object": status]
                                try await writer.write(ByteBuffer(bytes: event.data() + Data("\n".utf8)))
                                try await writer.finish(nil)
                            })
        case .events(let initial, let live, let id):
            let breaksBefore = watchBreaks
            return Response(status: .ok, headers: [.contentType: "application/json", .transferEncoding: "chunked"],
                            body: ResponseBody { [state] writer in
                                defer { state.endWatch(id) }
                                for event in initial {
                                    try await writer.write(ByteBuffer(bytes: Self.eventLine(event)))
                                }
                                let deadline = Task {
                                    try? await Task.sleep(for: .seconds(timeout))
                                    state.endWatch(id)
                                }
                                defer { deadline.cancel() }
                                for await event in live {
                                    try await writer.write(ByteBuffer(bytes: Self.eventLine(event)))
                                }
                                // Ended by breakWatches: cut the connection without the last chunk.
                                if self.watchBreaks != breaksBefore { throw BrokenWatch() }
                                try await writer.finish(nil)
                            })
        }
    }

    static func eventLine(_ event: ClusterState.Event) -> Data {
        let line: JSON = ["type": .string(event.type), "object": event.object]
        return line.data() + Data("\n".utf8)
    }

    // MARK: Pods

    private func createPod(_ route: Route, _ body: JSON?) -> Response {
        guard var pod = body, pod["kind"].string == nil || pod["kind"].string == "Pod" else {
            return Self.status(400, reason: "BadRequest", message: "the body of the request was in an unknown format")
        }
        let name = pod["metadata"]["name"].string ?? ""
        if let namespace = pod["metadata"]["namespace"].string, namespace != route.namespace {
            return Self.status(400, reason: "BadRequest", message: "the namespace of the provided object does not match the namespace sent on the request")
        }
        let causes = PodValidation.validate(pod)
        guard causes.isEmpty else { return Self.invalid("Pod", name, causes) }
        PodValidation.applyDefaults(&pod, namespace: route.namespace)
        guard let stored = state.create(.pods, namespace: route.namespace, object: pod) else {
            return Self.status(409, reason: "AlreadyExists", message: "pods \"\(name)\" already exists", details: ["name": .string(name), "kind": "pods"])
        }
        let runner = PodRunner(cluster: self, namespace: route.namespace, name: name)
        addRunner(runner)
        runner.start()
        return Self.json(stored, status: .created)
    }

    private func deletePod(_ route: Route, _ query: [String: String]) async -> Response {
        guard let name = route.name, let pod = state.get(.pods, namespace: route.namespace, name: name) else { return Self.notFound(route) }
        let grace = query["gracePeriodSeconds"].flatMap { Int($0) } ?? pod["spec"]["terminationGracePeriodSeconds"].int ?? 30
        let runner = runner(route.namespace, name)
        let phase = pod["status"]["phase"].string
        if let runner, runner.isRunningProcesses || (phase != "Succeeded" && phase != "Failed") {
            let marked = state.update(.pods, namespace: route.namespace, name: name) { pod in
                if pod["metadata"]["deletionTimestamp"].isNull {
                    pod["metadata"]["deletionTimestamp"] = .string(Self.timestamp(Date().addingTimeInterval(Double(grace))))
                    pod["metadata"]["deletionGracePeriodSeconds"] = .number(Double(grace))
                }
            } ?? pod
            runner.stop(.deleted(grace: grace))
            Task {
                await runner.finished()
                runner.cleanUp()
                self.state.remove(.pods, namespace: route.namespace, name: name)
                self.removeRunner(route.namespace, name)
            }
            return Self.json(marked)
        }
        runner?.cleanUp()
        let removed = state.remove(.pods, namespace: route.namespace, name: name) ?? pod
        removeRunner(route.namespace, name)
        return Self.json(removed)
    }

    private func podLog(_ route: Route, _ query: [String: String]) -> Response {
        guard let name = route.name, let pod = state.get(.pods, namespace: route.namespace, name: name) else { return Self.notFound(route) }
        let mains = (pod["spec"]["containers"].array ?? []).compactMap { $0["name"].string }
        let inits = (pod["spec"]["initContainers"].array ?? []).compactMap { $0["name"].string }
        let container: String
        if let asked = query["container"] {
            guard mains.contains(asked) || inits.contains(asked) else {
                return Self.status(400, reason: "BadRequest", message: "container \(asked) is not valid for pod \(name)")
            }
            container = asked
        } else if mains.count == 1, let only = mains.first {
            container = only
        } else {
            return Self.status(400, reason: "BadRequest",
                               message: "a container name must be specified for pod \(name), choose one of: [\(mains.joined(separator: " "))] or one of the init containers: [\(inits.joined(separator: " "))]")
        }
        let statuses = (pod["status"]["containerStatuses"].array ?? []) + (pod["status"]["initContainerStatuses"].array ?? [])
        let state = statuses.first { $0["name"].string == container }?["state"] ?? .null
        if state["running"].isNull && state["terminated"].isNull {
            let reason = state["waiting"]["reason"].string ?? "ContainerCreating"
            return Self.status(400, reason: "BadRequest", message: "container \"\(container)\" in pod \"\(name)\" is waiting to start: \(reason)")
        }
        let log = log(route.namespace, name, container)
        let follow = query["follow"] == "true"
        let timestamps = query["timestamps"] == "true"
        let since = query["sinceTime"].flatMap { text -> Date? in
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime]
            return formatter.date(from: text)
        }
        return Response(status: .ok, headers: [.contentType: "text/plain", .transferEncoding: "chunked"], body: ResponseBody { writer in
            var index = 0
            while true {
                let (lines, ended) = log.read(from: index)
                index += lines.count
                var chunk = Data()
                for line in lines where since.map({ line.time >= $0 }) ?? true {
                    if timestamps { chunk += Data((line.stamp + " ").utf8) }
                    chunk += line.text
                }
                if !chunk.isEmpty { try await writer.write(ByteBuffer(bytes: chunk)) }
                if ended || !follow { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            try await writer.finish(nil)
        })
    }

    // MARK: Secrets

    private func normalizedSecret(_ body: JSON?, _ route: Route) -> Normalized {
        guard var secret = body, secret["kind"].string == nil || secret["kind"].string == "Secret" else {
            return .failure(Self.status(400, reason: "BadRequest", message: "the body of the request was in an unknown format"))
        }
        let name = secret["metadata"]["name"].string ?? ""
        var causes: [(String, String, String)] = []
        if name.isEmpty { causes.append(("metadata.name", "Required value: name or generateName is required", "FieldValueRequired")) }
        else if !PodValidation.isDNSSubdomain(name) {
            causes.append(("metadata.name", "Invalid value: \"\(name)\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character", "FieldValueInvalid"))
        }
        var data = secret["data"].object ?? [:]
        for (key, value) in data {
            if !PodValidation.isConfigKey(key) { causes.append(("data[\(key)]", "Invalid value: \"\(key)\": a valid config key must consist of alphanumeric characters, '-', '_' or '.'", "FieldValueInvalid")) }
            if value.string.flatMap({ Data(base64Encoded: $0) }) == nil {
                return .failure(Self.status(400, reason: "BadRequest", message: "illegal base64 data in Secret data[\(key)]"))
            }
        }
        for (key, value) in secret["stringData"].object ?? [:] {
            if !PodValidation.isConfigKey(key) { causes.append(("stringData[\(key)]", "Invalid value: \"\(key)\"", "FieldValueInvalid")) }
            data[key] = .string(Data((value.string ?? "").utf8).base64EncodedString())
        }
        guard causes.isEmpty else { return .failure(Self.invalid("Secret", name, causes)) }
        secret["data"] = .object(data)
        secret["stringData"] = .null
        secret["kind"] = "Secret"
        secret["apiVersion"] = "v1"
        if secret["type"].isNull { secret["type"] = "Opaque" }
        secret["metadata"]["namespace"] = .string(route.namespace)
        return .success(secret)
    }

    enum Normalized {
        case success(JSON)
        case failure(Response)
    }

    private func createSecret(_ route: Route, _ body: JSON?) -> Response {
        switch normalizedSecret(body, route) {
        case .failure(let response): return response
        case .success(var secret):
            let name = secret["metadata"]["name"].string ?? ""
            secret["metadata"]["uid"] = .string(UUID().uuidString.lowercased())
            secret["metadata"]["creationTimestamp"] = .string(Self.timestamp())
            guard let stored = state.create(.secrets, namespace: route.namespace, object: secret) else {
                return Self.status(409, reason: "AlreadyExists", message: "secrets \"\(name)\" already exists", details: ["name": .string(name), "kind": "secrets"])
            }
            return Self.json(stored, status: .created)
        }
    }

    private func replaceSecret(_ route: Route, _ body: JSON?) -> Response {
        switch normalizedSecret(body, route) {
        case .failure(let response): return response
        case .success(let secret):
            guard let name = route.name, secret["metadata"]["name"].string == name else {
                return Self.status(400, reason: "BadRequest", message: "the name of the object (\(secret["metadata"]["name"].string ?? "")) does not match the name on the URL (\(route.name ?? ""))")
            }
            guard let existing = state.get(.secrets, namespace: route.namespace, name: name) else { return Self.notFound(route) }
            if let version = secret["metadata"]["resourceVersion"].string, version != existing["metadata"]["resourceVersion"].string {
                return Self.status(409, reason: "Conflict", message: "Operation cannot be fulfilled on secrets \"\(name)\": the object has been modified; please apply your changes to the latest version and try again")
            }
            let stored = state.update(.secrets, namespace: route.namespace, name: name) { object in
                var replacement = secret
                replacement["metadata"]["uid"] = existing["metadata"]["uid"]
                replacement["metadata"]["creationTimestamp"] = existing["metadata"]["creationTimestamp"]
                object = replacement
            }
            return Self.json(stored ?? secret)
        }
    }

    private func deleteSecret(_ route: Route) -> Response {
        guard let name = route.name, let removed = state.remove(.secrets, namespace: route.namespace, name: name) else { return Self.notFound(route) }
        return Self.json(["kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Success",
                          "details": ["name": .string(name), "kind": "secrets", "uid": removed["metadata"]["uid"]]])
    }

    // MARK: Services

    private func createService(_ route: Route, _ body: JSON?) -> Response {
        guard var service = body, service["kind"].string == nil || service["kind"].string == "Service" else {
            return Self.status(400, reason: "BadRequest", message: "the body of the request was in an unknown format")
        }
        let name = service["metadata"]["name"].string ?? ""
        let causes = PodValidation.validateService(service)
        guard causes.isEmpty else { return Self.invalid("Service", name, causes) }
        service["kind"] = "Service"
        service["apiVersion"] = "v1"
        service["metadata"]["namespace"] = .string(route.namespace)
        service["metadata"]["uid"] = .string(UUID().uuidString.lowercased())
        service["metadata"]["creationTimestamp"] = .string(Self.timestamp())
        if service["spec"]["type"].isNull { service["spec"]["type"] = "ClusterIP" }
        if service["spec"]["clusterIP"].isNull { service["spec"]["clusterIP"] = "None" }
        service["spec"]["clusterIPs"] = [service["spec"]["clusterIP"]]
        guard let stored = state.create(.services, namespace: route.namespace, object: service) else {
            return Self.status(409, reason: "AlreadyExists", message: "services \"\(name)\" already exists", details: ["name": .string(name), "kind": "services"])
        }
        // Its Pods' names resolve from now on.
        refreshHosts(route.namespace)
        return Self.json(stored, status: .created)
    }

    private func deleteService(_ route: Route) -> Response {
        guard let name = route.name, let removed = state.remove(.services, namespace: route.namespace, name: name) else { return Self.notFound(route) }
        refreshHosts(route.namespace)
        return Self.json(["kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Success",
                          "details": ["name": .string(name), "kind": "services", "uid": removed["metadata"]["uid"]]])
    }

    // MARK: NetworkPolicies (stored, not enforced: the harness's Pods share one network)

    private func createNetworkPolicy(_ route: Route, _ body: JSON?) -> Response {
        guard var policy = body, policy["kind"].string == nil || policy["kind"].string == "NetworkPolicy" else {
            return Self.status(400, reason: "BadRequest", message: "the body of the request was in an unknown format")
        }
        let name = policy["metadata"]["name"].string ?? ""
        guard PodValidation.isDNSSubdomain(name) else {
            return Self.invalid("NetworkPolicy", name, [("metadata.name", "Invalid value: \"\(name)\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.'", "FieldValueInvalid")])
        }
        policy["kind"] = "NetworkPolicy"
        policy["apiVersion"] = "networking.k8s.io/v1"
        policy["metadata"]["namespace"] = .string(route.namespace)
        policy["metadata"]["uid"] = .string(UUID().uuidString.lowercased())
        policy["metadata"]["creationTimestamp"] = .string(Self.timestamp())
        guard let stored = state.create(.networkpolicies, namespace: route.namespace, object: policy) else {
            return Self.status(409, reason: "AlreadyExists", message: "networkpolicies.networking.k8s.io \"\(name)\" already exists",
                               details: ["name": .string(name), "group": "networking.k8s.io", "kind": "networkpolicies"])
        }
        return Self.json(stored, status: .created)
    }

    private func deleteNetworkPolicy(_ route: Route) -> Response {
        guard let name = route.name, let removed = state.remove(.networkpolicies, namespace: route.namespace, name: name) else { return Self.notFound(route) }
        return Self.json(["kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Success",
                          "details": ["name": .string(name), "group": "networking.k8s.io", "kind": "networkpolicies", "uid": removed["metadata"]["uid"]]])
    }
}
