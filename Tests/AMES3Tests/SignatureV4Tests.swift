@testable import AMES3
import Foundation
import Testing

/// Signature Version 4 against AWS's published vectors: the general test suite
/// (`aws-sig-v4-test-suite`, credentials AKIDEXAMPLE, 2015-08-30, service "service") and
/// the worked S3 examples of "Signature Calculations for the Authorization Header"
/// (examplebucket, 2013-05-24).
@Suite("Signature V4")
struct SignatureV4Tests {
    static let suiteSigner = SignatureV4(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                                         region: "us-east-1", service: "service")
    static let suiteTime = "20150830T123600Z"

    static func suiteRequest(_ method: String = "GET", path: String = "/", query: [(String, String)] = [],
                             headers: [(String, String)] = [], body: String = "") -> SignatureV4.Request {
        SignatureV4.Request(method: method, canonicalURI: path, query: query,
                            headers: [("Host", "example.amazonaws.com"), ("X-Amz-Date", suiteTime)] + headers,
                            payloadHash: SignatureV4.sha256Hex(Data(body.utf8)))
    }

    struct Vector: Sendable, CustomStringConvertible {
        var name: String
        var request: @Sendable () -> SignatureV4.Request
        var signedHeaders: String
        var signature: String
        var description: String { name }
    }

    static let vectors: [Vector] = [
        Vector(name: "get-vanilla", request: { suiteRequest() }, signedHeaders: "host;x-amz-date",
               signature: "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
        Vector(name: "get-unreserved", request: { suiteRequest(path: "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") },
               signedHeaders: "host;x-amz-date", signature: "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f"),
        Vector(name: "get-vanilla-query-order-key-case", request: { suiteRequest(query: [("Param2", "value2"), ("Param1", "value1")]) },
               signedHeaders: "host;x-amz-date", signature: "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"),
        Vector(name: "get-vanilla-query-order-value", request: { suiteRequest(query: [("Param1", "value2"), ("Param1", "value1")]) },
               signedHeaders: "host;x-amz-date", signature: "5772eed61e12b33fae39ee5e7012498b51d56abc0abb7c60486157bd471c4694"),
        Vector(name: "get-vanilla-utf8-query", request: { suiteRequest(query: [("\u{1234}", "bar")]) },
               signedHeaders: "host;x-amz-date", signature: "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04"),
        Vector(name: "get-header-value-order",
               request: { suiteRequest(headers: [("My-Header1", "value4"), ("My-Header1", "value1"), ("My-Header1", "value3"), ("My-Header1", "value2")]) },
               signedHeaders: "host;my-header1;x-amz-date", signature: "08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01"),
        Vector(name: "get-header-key-duplicate",
               request: { suiteRequest(headers: [("My-Header1", "value2"), ("My-Header1", "value2"), ("My-Header1", "value1")]) },
               signedHeaders: "host;my-header1;x-amz-date", signature: "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea"),
        Vector(name: "get-header-value-trim", request: { suiteRequest(headers: [("My-Header1", " value1"), ("My-Header2", "\"a   b   c\"")]) },
               signedHeaders: "host;my-header1;my-header2;x-amz-date",
               signature: "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"),
        Vector(name: "post-x-www-form-urlencoded",
               request: { suiteRequest("POST", headers: [("Content-Type", "application/x-www-form-urlencoded")], body: "Param1=value1") },
               signedHeaders: "content-type;host;x-amz-date", signature: "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"),
    ]

    @Test("the general test suite's vectors", arguments: vectors)
    func suite(vector: Vector) {
        let signed = Self.suiteSigner.sign(vector.request(), timestamp: Self.suiteTime)
        #expect(signed.signedHeaders == vector.signedHeaders)
        #expect(signed.signature == vector.signature, "canonical request:\n\(signed.canonicalRequest)")
        #expect(signed.authorization == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
                + "SignedHeaders=\(vector.signedHeaders), Signature=\(vector.signature)")
    }

    @Test("get-vanilla: canonical request and string to sign, piece by piece")
    func vanillaPieces() {
        let signed = Self.suiteSigner.sign(Self.suiteRequest(), timestamp: Self.suiteTime)
        #expect(signed.canonicalRequest == """
            GET
            /

            host:example.amazonaws.com
            x-amz-date:20150830T123600Z

            host;x-amz-date
            e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
            """)
        #expect(signed.stringToSign == """
            AWS4-HMAC-SHA256
            20150830T123600Z
            20150830/us-east-1/service/aws4_request
            bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63
            """)
    }

    @Test("the session-token vector signs X-Amz-Security-Token")
    func sessionToken() {
        var signer = Self.suiteSigner
        let token = "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267"
        signer.sessionToken = token
        let request = Self.suiteRequest(headers: [("X-Amz-Security-Token", token)])
        let signed = signer.sign(request, timestamp: Self.suiteTime)
        #expect(signed.signedHeaders == "host;x-amz-date;x-amz-security-token")
        #expect(signed.signature == "07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8")
    }

    // MARK: S3's worked examples

    static let s3Signer = SignatureV4(accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                                      region: "us-east-1", service: "s3")
    static let s3Time = "20130524T000000Z"
    static let host = ("Host", "examplebucket.s3.amazonaws.com")
    static let emptyHash = SignatureV4.emptyPayloadHash

    @Test("S3 example: GET Object with a Range")
    func s3GetObject() {
        let signed = Self.s3Signer.sign(.init(method: "GET", canonicalURI: "/test.txt",
                                              headers: [Self.host, ("Range", "bytes=0-9"), ("x-amz-content-sha256", Self.emptyHash),
                                                        ("x-amz-date", Self.s3Time)],
                                              payloadHash: Self.emptyHash), timestamp: Self.s3Time)
        #expect(signed.stringToSign.hasSuffix("7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972"))
        #expect(signed.signature == "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
        #expect(signed.signedHeaders == "host;range;x-amz-content-sha256;x-amz-date")
    }

    @Test("S3 example: PUT Object, the key's '$' encoded once")
    func s3PutObject() {
        let payload = SignatureV4.sha256Hex(Data("Welcome to Amazon S3.".utf8))
        #expect(payload == "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072")
        let signed = Self.s3Signer.sign(.init(method: "PUT", canonicalURI: "/" + SignatureV4.uriEncode("test$file.text", keepingSlashes: true),
                                              headers: [Self.host, ("Date", "Fri, 24 May 2013 00:00:00 GMT"),
                                                        ("x-amz-date", Self.s3Time), ("x-amz-storage-class", "REDUCED_REDUNDANCY"),
                                                        ("x-amz-content-sha256", payload)],
                                              payloadHash: payload), timestamp: Self.s3Time)
        #expect(signed.canonicalRequest.hasPrefix("PUT\n/test%24file.text\n\n"))
        #expect(signed.signature == "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd")
    }

    @Test("S3 example: GET Bucket Lifecycle (a query name without a value)")
    func s3Lifecycle() {
        let signed = Self.s3Signer.sign(.init(method: "GET", canonicalURI: "/", query: [("lifecycle", "")],
                                              headers: [Self.host, ("x-amz-content-sha256", Self.emptyHash), ("x-amz-date", Self.s3Time)],
                                              payloadHash: Self.emptyHash), timestamp: Self.s3Time)
        #expect(signed.signature == "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543")
    }

    @Test("S3 example: GET Bucket (list objects), query sorted")
    func s3ListObjects() {
        let signed = Self.s3Signer.sign(.init(method: "GET", canonicalURI: "/", query: [("prefix", "J"), ("max-keys", "2")],
                                              headers: [Self.host, ("x-amz-content-sha256", Self.emptyHash), ("x-amz-date", Self.s3Time)],
                                              payloadHash: Self.emptyHash), timestamp: Self.s3Time)
        #expect(signed.canonicalRequest.split(separator: "\n", omittingEmptySubsequences: false)[2] == "max-keys=2&prefix=J")
        #expect(signed.signature == "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7")
    }

    @Test("URI encoding: unreserved characters stay, the rest is %XX of the UTF-8; '/' only in object paths")
    func encoding() {
        #expect(SignatureV4.uriEncode("a b+c/d~e_f.g-h") == "a%20b%2Bc%2Fd~e_f.g-h")
        #expect(SignatureV4.uriEncode("data/train set/ä.csv", keepingSlashes: true) == "data/train%20set/%C3%A4.csv")
        #expect(SignatureV4.canonicalQuery([("b", ""), ("a", "1=2")]) == "a=1%3D2&b=")
    }

    @Test("the date stamp is UTC, YYYYMMDDTHHMMSSZ")
    func timestamp() {
        #expect(SignatureV4.timestamp(Date(timeIntervalSince1970: 1_440_938_160)) == "20150830T123600Z")
    }
}
