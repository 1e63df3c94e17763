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
        return nil
    }
}
