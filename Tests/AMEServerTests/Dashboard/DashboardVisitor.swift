import AMECore
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// A browser's part of the HTTP conversation, for the fast dashboard tests: it keeps the
/// cookies the server sets, sends them back, and fills in forms' hidden CSRF fields the way
/// the page would.
final class DashboardVisitor: @unchecked Sendable {
    let client: any TestClientProtocol
    private(set) var cookies: [String: String] = [:]
    /// The `Set-Cookie` headers of the last answer, as sent.
    private(set) var lastSetCookies: [String] = []

    init(_ client: any TestClientProtocol) {
        self.client = client
    }

    @discardableResult
    func get(_ uri: String) async throws -> TestResponse {
        try await send(.get, uri, body: nil, headers: [:])
    }

    @discardableResult
    func post(_ uri: String, form: [String: String], headers: HTTPFields = [:]) async throws -> TestResponse {
        let body = form.sorted { $0.key < $1.key }.map { "\(Self.encode($0.key))=\(Self.encode($0.value))" }.joined(separator: "&")
        var headers = headers
        headers[.contentType] = "application/x-www-form-urlencoded"
        return try await send(.post, uri, body: ByteBuffer(string: body), headers: headers)
    }

    func send(_ method: HTTPRequest.Method, _ uri: String, body: ByteBuffer?, headers: HTTPFields) async throws -> TestResponse {
        var headers = headers
        if !cookies.isEmpty {
            headers[.cookie] = cookies.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")
        }
        let response = try await client.executeRequest(uri: uri, method: method, headers: headers, body: body)
        lastSetCookies = response.headers[values: .setCookie]
        for header in lastSetCookies {
            let first = header.split(separator: ";", maxSplits: 1).first.map(String.init) ?? ""
            let parts = first.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 2 else { continue }
            if header.contains("Max-Age=0") { cookies.removeValue(forKey: parts[0]) } else { cookies[parts[0]] = parts[1] }
        }
        return response
    }

    /// The page's hidden CSRF field (every state-changing form has one).
    static func csrf(in page: String) -> String? {
        guard let range = page.range(of: #"name="csrf" value=""#) else { return nil }
        let rest = page[range.upperBound...]
        return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
    }

    /// Signs in through the form, as a person would; returns the answer to the POST.
    @discardableResult
    func signIn(token: String, next: String? = nil) async throws -> TestResponse {
        let form = try await get("/signin" + (next.map { "?next=" + Self.encode($0) } ?? ""))
        #expect(form.status == .ok)
        let csrf = try #require(Self.csrf(in: form.text))
        var fields = ["token": token, "csrf": csrf]
        if let next { fields["next"] = next }
        return try await post("/signin", form: fields)
    }

    /// The CSRF token of the signed-in session, read from a page's sign-out form.
    func sessionCSRF() async throws -> String {
        let page = try await get("/secrets")
        return try #require(Self.csrf(in: page.text), "no CSRF field in: \(page.text.prefix(300))")
    }

    static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")) ?? ""
    }
}
