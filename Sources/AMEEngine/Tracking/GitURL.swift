import AMECore
import Foundation

/// Checks a repository URL before git sees it: a transport a server may use, no
/// credentials in it (they belong in an AME secret), a host the admin allows.
enum GitURL {
    /// The host of `url` ("" for file:// and local paths), or an error saying what is wrong.
    static func check(_ url: String, allowedHosts: Set<String>?) throws -> String {
        let hintForms = "use https://HOST/REPO.git, ssh://git@HOST/REPO.git, git@HOST:REPO.git, git://HOST/REPO or file:///PATH"
        guard !url.isEmpty, !url.hasPrefix("-"), !url.contains(where: { $0.isWhitespace || $0.isNewline }) else {
            throw APIError(.invalidRequest, "'\(url)' is not a git URL", hint: hintForms)
        }
        let host: String
        if let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(), url.contains("://") {
            guard ["https", "http", "ssh", "git", "file"].contains(scheme) else {
                throw APIError(.invalidRequest, "the URL scheme '\(scheme)' is not one the server fetches with", hint: hintForms)
            }
            if components.password != nil || (components.user != nil && scheme.hasPrefix("http")) {
                throw APIError(.invalidRequest, "the URL carries credentials, which would end up in logs",
                               hint: "remove them from the URL, store the token with 'ame secret set NAME' and pass --secret NAME")
            }
            host = scheme == "file" ? "" : (components.host ?? "")
            if scheme != "file" && host.isEmpty {
                throw APIError(.invalidRequest, "'\(url)' names no host", hint: hintForms)
            }
        } else if let colon = url.firstIndex(of: ":"), !url[..<colon].contains("/") {
            // scp-like: [user@]host:path
            let authority = url[..<colon]
            host = String(authority.split(separator: "@").last ?? authority)
        } else {
            throw APIError(.invalidRequest, "'\(url)' is not a git URL", hint: hintForms)
        }
        if let allowedHosts {
            let key = host.isEmpty ? "file" : host.lowercased()
            guard allowedHosts.contains(key) else {
                throw APIError(.forbidden, "this server does not fetch from \(host.isEmpty ? "file:// paths" : host)",
                               hint: "the server's admin allows hosts with --git-hosts (now: \(allowedHosts.sorted().joined(separator: ", ")))")
            }
        }
        return host
    }

    /// A short name for the repository: its last path component without `.git`.
    static func name(of url: String) -> String {
        var path = url
        while path.hasSuffix("/") { path.removeLast() }
        var last = String(path.split(whereSeparator: { $0 == "/" || $0 == ":" }).last ?? "")
        if last.hasSuffix(".git") { last.removeLast(4) }
        return Names.suggestedName(from: last.isEmpty ? "repository" : last)
    }
}
