import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// HTML pages, redirects and cookies.
enum DashboardResponse {
    static func html(_ page: HTML, status: HTTPResponse.Status = .ok, headers extra: [HTTPField] = []) -> Response {
        var headers: HTTPFields = [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"]
        headers.append(contentsOf: extra)
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: page.raw)))
    }

    /// 303: after a POST the browser follows with a GET, so a reload never re-submits.
    static func redirect(to location: String, headers extra: [HTTPField] = []) -> Response {
        var headers: HTTPFields = [.location: location, .cacheControl: "no-store"]
        headers.append(contentsOf: extra)
        return Response(status: .seeOther, headers: headers)
    }

    /// A cookie script cannot read (HttpOnly) and other sites' pages never send
    /// (SameSite=Strict); `Secure` when the server is reached over HTTPS.
    static func cookie(_ name: String, _ value: String, path: String = "/", maxAge: Int?, secure: Bool) -> HTTPField {
        var text = "\(name)=\(value); Path=\(path); HttpOnly; SameSite=Strict"
        if let maxAge { text += "; Max-Age=\(maxAge)" }
        if secure { text += "; Secure" }
        return HTTPField(name: .setCookie, value: text)
    }

    static func expiredCookie(_ name: String, path: String = "/", secure: Bool) -> HTTPField {
        cookie(name, "", path: path, maxAge: 0, secure: secure)
    }

    /// Headers on every dashboard answer: scripts and styles only from this server, no
    /// framing, no sniffing, no referrer to other sites.
    static let securityHeaders: HTTPFields = [
        .contentSecurityPolicy: "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        .xContentTypeOptions: "nosniff",
        HTTPField.Name("Referrer-Policy")!: "same-origin",
        HTTPField.Name("X-Frame-Options")!: "DENY",
    ]
}

/// Thrown by a handler to send the browser elsewhere (for example to sign in).
struct DashboardRedirect: Error {
    var location: String
}
