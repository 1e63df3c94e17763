import Foundation

/// The API server's storage: objects by resource, namespace and name, one resource-version
/// counter for everything, a bounded history of changes (watches resume from it; older
/// versions get 410 Expired, as from etcd after compaction), and the open watches.
final class ClusterState: @unchecked Sendable {
    enum Resource: String, Sendable {
        case pods
        case secrets
        case services
        case networkpolicies

        /// The API group: "" (core) or `networking.k8s.io`.
        var group: String { self == .networkpolicies ? "networking.k8s.io" : "" }
    }

    struct Event: Sendable {
        var resourceVersion: Int
        var resource: Resource
        var namespace: String
        /// ADDED, MODIFIED or DELETED.
        var type: String
        var object: JSON
    }

    private struct Watcher {
        var resource: Resource
        var namespace: String
        var selector: LabelSelector
        var continuation: AsyncStream<Event>.Continuation
    }

    private let lock = NSLock()
    private var objects: [Resource: [String: JSON]] = [:]
    private var version = 1000
    private var history: [Event] = []
    private var watchers: [UUID: Watcher] = [:]
    /// How many changes watches can resume across.
    let historyLimit: Int

    init(historyLimit: Int) {
        self.historyLimit = historyLimit
    }

    private static func key(_ namespace: String, _ name: String) -> String { "\(namespace)/\(name)" }

    var currentVersion: Int { lock.withLock { version } }

    func get(_ resource: Resource, namespace: String, name: String) -> JSON? {
        lock.withLock { objects[resource]?[Self.key(namespace, name)] }
    }

    func list(_ resource: Resource, namespace: String, selector: LabelSelector) -> (items: [JSON], resourceVersion: Int) {
        lock.withLock {
            let items = (objects[resource] ?? [:]).filter { $0.key.hasPrefix(namespace + "/") }.map(\.value)
                .filter { selector.matches($0) }
                .sorted { ($0["metadata"]["name"].string ?? "") < ($1["metadata"]["name"].string ?? "") }
            return (items, version)
        }
    }

    /// Stores a new object; nil when the name is taken.
    func create(_ resource: Resource, namespace: String, object: JSON) -> JSON? {
        lock.withLock {
            let name = object["metadata"]["name"].string ?? ""
            guard objects[resource]?[Self.key(namespace, name)] == nil else { return nil }
            return store(resource, namespace: namespace, name: name, object: object, type: "ADDED")
        }
    }

    /// Changes a stored object; nil when it does not exist.
    @discardableResult
    func update(_ resource: Resource, namespace: String, name: String, _ change: (inout JSON) -> Void) -> JSON? {
        lock.withLock {
            guard var object = objects[resource]?[Self.key(namespace, name)] else { return nil }
            let before = object
            change(&object)
            if object == before { return object }
            return store(resource, namespace: namespace, name: name, object: object, type: "MODIFIED")
        }
    }

    @discardableResult
    func remove(_ resource: Resource, namespace: String, name: String) -> JSON? {
        lock.withLock {
            guard var object = objects[resource]?.removeValue(forKey: Self.key(namespace, name)) else { return nil }
            version += 1
            object["metadata"]["resourceVersion"] = .string(String(version))
            publish(Event(resourceVersion: version, resource: resource, namespace: namespace, type: "DELETED", object: object))
            return object
        }
    }

    private func store(_ resource: Resource, namespace: String, name: String, object: JSON, type: String) -> JSON {
        version += 1
        var object = object
        object["metadata"]["resourceVersion"] = .string(String(version))
        objects[resource, default: [:]][Self.key(namespace, name)] = object
        publish(Event(resourceVersion: version, resource: resource, namespace: namespace, type: type, object: object))
        return object
    }

    private func publish(_ event: Event) {
        history.append(event)
        if history.count > historyLimit { history.removeFirst(history.count - historyLimit) }
        for watcher in watchers.values where watcher.resource == event.resource && watcher.namespace == event.namespace {
            if watcher.selector.matches(event.object) { watcher.continuation.yield(event) }
        }
    }

    enum WatchStart {
        case events(initial: [Event], live: AsyncStream<Event>, id: UUID)
        /// The version is older than the history kept.
        case expired(oldest: Int)
    }

    /// Starts a watch after `resourceVersion` (nil or 0: every current object as ADDED,
    /// then changes).
    func watch(_ resource: Resource, namespace: String, selector: LabelSelector, from resourceVersion: Int?) -> WatchStart {
        lock.withLock {
            var initial: [Event] = []
            if let from = resourceVersion, from > 0 {
                let oldest = history.first?.resourceVersion ?? version + 1
                if from < oldest - 1 && from < version { return .expired(oldest: oldest) }
                initial = history.filter { $0.resourceVersion > from && $0.resource == resource && $0.namespace == namespace && selector.matches($0.object) }
            } else {
                initial = (objects[resource] ?? [:]).filter { $0.key.hasPrefix(namespace + "/") }.map(\.value)
                    .filter { selector.matches($0) }
                    .map { Event(resourceVersion: version, resource: resource, namespace: namespace, type: "ADDED", object: $0) }
            }
            let (stream, continuation) = AsyncStream<Event>.makeStream()
            let id = UUID()
            watchers[id] = Watcher(resource: resource, namespace: namespace, selector: selector, continuation: continuation)
            return .events(initial: initial, live: stream, id: id)
        }
    }

    func endWatch(_ id: UUID) {
        let watcher = lock.withLock { watchers.removeValue(forKey: id) }
        watcher?.continuation.finish()
    }

    /// Ends every open watch (the harness's "broken connection" fault).
    func endAllWatches() -> Int {
        let ended = lock.withLock { () -> [Watcher] in
            defer { watchers.removeAll() }
            return Array(watchers.values)
        }
        for watcher in ended { watcher.continuation.finish() }
        return ended.count
    }

    /// Forgets the history, so that every watch resuming from an older version gets 410.
    func compactHistory() {
        lock.withLock { history.removeAll() }
    }

    var openWatches: Int { lock.withLock { watchers.count } }
}
