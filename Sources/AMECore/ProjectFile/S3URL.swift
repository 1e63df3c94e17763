import Foundation

/// An `s3://bucket/key` address, split and checked.
public struct S3URL: Hashable, Sendable, CustomStringConvertible {
    public var bucket: String
    /// The key or prefix, without a leading slash; may be empty.
    public var key: String

    public init?(_ text: String) {
        guard Self.problem(in: text) == nil else { return nil }
        let rest = text.dropFirst("s3://".count)
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        bucket = String(rest[..<slash])
        key = slash < rest.endIndex ? String(rest[rest.index(after: slash)...]) : ""
    }

    public init(bucket: String, key: String) {
        self.bucket = bucket
        self.key = key
    }

    public var description: String { "s3://\(bucket)/\(key)" }

    /// Why `text` is not an S3 address (completing "… is …"), or nil when it is one.
    public static func problem(in text: String) -> String? {
        guard text.hasPrefix("s3://") else { return "is not an s3:// address" }
        let rest = text.dropFirst("s3://".count)
        let bucket = rest.prefix { $0 != "/" }
        guard !bucket.isEmpty else { return "has no bucket name" }
        let allowed = bucket.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-" || $0 == ".") }
        guard allowed, (3...63).contains(bucket.count), bucket.first?.isLetter == true || bucket.first?.isNumber == true else {
            return "has an invalid bucket name '\(bucket)' (3 to 63 lowercase letters, digits, '.' and '-')"
        }
        let key = rest.dropFirst(bucket.count)
        if let unknown = placeholders(in: String(key)).first(where: { !Placeholders.names.contains($0) }) {
            return "uses an unknown placeholder '{\(unknown)}' (known: \(Placeholders.names.map { "{\($0)}" }.joined(separator: ", ")))"
        }
        return nil
    }

    /// The `{name}` placeholders of `text`, in order.
    static func placeholders(in text: String) -> [String] {
        var names: [String] = []
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{") {
            let after = rest[rest.index(after: open)...]
            guard let close = after.firstIndex(of: "}") else { break }
            names.append(String(after[..<close]))
            rest = after[after.index(after: close)...]
        }
        return names
    }

    /// What `{run}`, `{task}`, `{project}` and `{date}` stand for in a prefix.
    public struct Placeholders: Sendable {
        public static let names = ["run", "task", "project", "date"]
        public var run: String
        public var task: String
        public var project: String
        /// The run's creation day in UTC.
        public var date: Date

        public init(run: String, task: String, project: String, date: Date) {
            self.run = run
            self.task = task
            self.project = project
            self.date = date
        }

        var values: [String: String] {
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: "UTC")!
            let parts = calendar.dateComponents([.year, .month, .day], from: date)
            let day = String(format: "%04d-%02d-%02d", parts.year ?? 1970, parts.month ?? 1, parts.day ?? 1)
            return ["run": run, "task": task, "project": project, "date": day]
        }
    }

    /// `text` (an `s3://` address) with its placeholders replaced.
    public static func expand(_ text: String, with placeholders: Placeholders) -> String {
        var result = text
        for (name, value) in placeholders.values {
            result = result.replacingOccurrences(of: "{\(name)}", with: value)
        }
        return result
    }
}
