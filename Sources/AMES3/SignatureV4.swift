import AMECore
import Crypto
import Foundation

/// AWS Signature Version 4 (`AWS4-HMAC-SHA256`) for request headers, with HMAC-SHA256 from
/// swift-crypto.
///
/// The caller supplies the canonical URI as it will be sent (S3 encodes each key segment
/// once and keeps `/`, with no normalization); query items are given raw and encoded here.
public struct SignatureV4: Sendable {
    public var accessKeyID: String
    public var secretAccessKey: String
    public var sessionToken: String?
    public var region: String
    public var service: String

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil, region: String, service: String = "s3") {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.region = region
        self.service = service
    }

    /// One request to sign.
    public struct Request: Sendable {
        public var method: String
        /// Already URI-encoded, starting with `/`.
        public var canonicalURI: String
        /// Raw (not encoded) names and values.
        public var query: [(String, String)]
        /// Every header sent that is to be signed (`host` and `x-amz-*` at least).
        public var headers: [(String, String)]
        /// Hex SHA-256 of the body, or `UNSIGNED-PAYLOAD`.
        public var payloadHash: String

        public init(method: String, canonicalURI: String, query: [(String, String)] = [], headers: [(String, String)], payloadHash: String) {
            self.method = method
            self.canonicalURI = canonicalURI
            self.query = query
            self.headers = headers
            self.payloadHash = payloadHash
        }
    }

    /// The pieces of one signature, for tests and for debugging a `SignatureDoesNotMatch`.
    public struct Signed: Sendable {
        public var canonicalRequest: String
        public var stringToSign: String
        public var signature: String
        public var signedHeaders: String
        public var authorization: String
    }

    public static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    /// `20150830T123600Z`.
    public static func timestamp(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(format: "%04d%02d%02dT%02d%02d%02dZ", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!)
    }

    /// Signs `request` at `timestamp` (`YYYYMMDDTHHMMSSZ`, the request's `x-amz-date`).
    public func sign(_ request: Request, timestamp: String) -> Signed {
        let (canonicalHeaders, signedHeaders) = Self.canonicalHeaders(request.headers)
        let canonicalRequest = [
            request.method,
            request.canonicalURI,
            Self.canonicalQuery(request.query),
            canonicalHeaders,
            signedHeaders,
            request.payloadHash,
        ].joined(separator: "\n")
        let day = String(timestamp.prefix(8))
        let scope = "\(day)/\(region)/\(service)/aws4_request"
        let stringToSign = ["AWS4-HMAC-SHA256", timestamp, scope, Hex.encode(SHA256.hash(data: Data(canonicalRequest.utf8)))]
            .joined(separator: "\n")
        let key = signingKey(day: day)
        let signature = Hex.encode(HMAC<SHA256>.authenticationCode(for: Data(stringToSign.utf8), using: key))
        let authorization = "AWS4-HMAC-SHA256 Credential=\(accessKeyID)/\(scope), SignedHeaders=\(signedHeaders), Signature=\(signature)"
        return Signed(canonicalRequest: canonicalRequest, stringToSign: stringToSign, signature: signature,
                      signedHeaders: signedHeaders, authorization: authorization)
    }

    /// `HMAC(HMAC(HMAC(HMAC("AWS4" + secret, day), region), service), "aws4_request")`.
    public func signingKey(day: String) -> SymmetricKey {
        func hmac(_ key: SymmetricKey, _ text: String) -> SymmetricKey {
            SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Data(text.utf8), using: key)))
        }
        let secret = SymmetricKey(data: Data("AWS4\(secretAccessKey)".utf8))
        return hmac(hmac(hmac(hmac(secret, day), region), service), "aws4_request")
    }

    /// Lower-case names, sorted; values trimmed with inner runs of spaces collapsed; repeated
    /// headers joined with commas in the order given.
    public static func canonicalHeaders(_ headers: [(String, String)]) -> (canonical: String, signed: String) {
        var values: [String: [String]] = [:]
        for (name, value) in headers {
            values[name.lowercased(), default: []].append(trimAll(value))
        }
        let names = values.keys.sorted()
        let canonical = names.map { "\($0):\(values[$0]!.joined(separator: ","))\n" }.joined()
        return (canonical, names.joined(separator: ";"))
    }

    /// Names and values URI-encoded, sorted by name and then value.
    public static func canonicalQuery(_ items: [(String, String)]) -> String {
        let encoded: [(name: String, value: String)] = items.map { item in (uriEncode(item.0), uriEncode(item.1)) }
        let sorted = encoded.sorted { (a: (name: String, value: String), b: (name: String, value: String)) -> Bool in
            a.name == b.name ? a.value < b.value : a.name < b.name
        }
        return sorted.map { pair in pair.name + "=" + pair.value }.joined(separator: "&")
    }

    /// RFC 3986 encoding as SigV4 wants it: unreserved characters (`A-Z a-z 0-9 - _ . ~`)
    /// stay, every other byte of the UTF-8 becomes `%XX` (upper-case hex); `/` stays when
    /// `keepingSlashes` (for S3 object paths).
    public static func uriEncode(_ text: String, keepingSlashes: Bool = false) -> String {
        let unreserved = Self.unreserved
        var result = ""
        result.reserveCapacity(text.utf8.count)
        let hexDigits = Array("0123456789ABCDEF".unicodeScalars)
        for byte in text.utf8 {
            if unreserved.contains(byte) || (keepingSlashes && byte == 0x2F) {
                result.unicodeScalars.append(UnicodeScalar(byte))
            } else {
                result.unicodeScalars.append("%")
                result.unicodeScalars.append(hexDigits[Int(byte >> 4)])
                result.unicodeScalars.append(hexDigits[Int(byte & 0x0F)])
            }
        }
        return result
    }

    /// `A-Z a-z 0-9 - _ . ~`.
    private static let unreserved: Set<UInt8> = Set(Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~".utf8))

    static func trimAll(_ value: String) -> String {
        value.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
    }

    /// Hex SHA-256 of `data` (a payload hash).
    public static func sha256Hex(_ data: Data) -> String {
        Hex.encode(SHA256.hash(data: data))
    }
}
