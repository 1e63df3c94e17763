import AMECore
import Foundation
import Testing

@Suite("Proxy rules from the environment")
struct ProxyRulesTests {
    func rules(_ environment: [String: String]) throws -> ProxyRules {
        try ProxyRules.fromEnvironment(environment)
    }

    @Test("proxy URLs: scheme, credentials (percent-decoded), default ports, SOCKS5, IPv6")
    func parsing() throws {
        let proxy = try rules(["https_proxy": "http://alice:p%40ss@proxy.corp:3128/"]).https
        #expect(proxy == ProxyRules.Proxy(host: "proxy.corp", port: 3128, username: "alice", password: "p@ss"))
        #expect(try rules(["http_proxy": "proxy.corp"]).http == ProxyRules.Proxy(host: "proxy.corp", port: 80))
        #expect(try rules(["all_proxy": "socks5://10.0.0.1"]).https == ProxyRules.Proxy(kind: .socks5, host: "10.0.0.1", port: 1080))
        #expect(try rules(["http_proxy": "http://[fd00::1]:8080"]).http == ProxyRules.Proxy(host: "fd00::1", port: 8080))
    }

    @Test("lower case wins over upper case; all_proxy fills in; nothing set is direct")
    func precedence() throws {
        let both = try rules(["HTTPS_PROXY": "upper:1", "https_proxy": "lower:2", "ALL_PROXY": "all:3"])
        #expect(both.https?.host == "lower")
        #expect(both.http?.host == "all")
        #expect(try rules([:]) == .direct)
        #expect(try rules(["https_proxy": "  "]) == .direct)
    }

    @Test("an unusable proxy is an error naming the variable, with the password hidden")
    func invalid() {
        for (variable, value, words) in [("https_proxy", "https://bob:secret@proxy:443", "TLS to the proxy"),
                                         ("HTTP_PROXY", "ftp://proxy", "scheme 'ftp'"),
                                         ("http_proxy", "proxy:99999", "no valid port"),
                                         ("all_proxy", "socks5://bob:secret@proxy", "SOCKS")] {
            #expect {
                _ = try ProxyRules.fromEnvironment([variable: value])
            } throws: { error in
                let text = "\(error)"
                return text.hasPrefix(variable + "=") && text.contains(words) && !text.contains("secret")
            }
        }
    }

    @Test("no_proxy: names with their subdomains, a leading dot or star, *, IPs, CIDR ranges, ports ignored")
    func exemptions() throws {
        let rules = try rules(["https_proxy": "proxy:3128", "http_proxy": "proxy:3128",
                               "no_proxy": "internal.corp, .svc.local,*.lab, 10.0.0.0/8, 192.168.1.7, ame.example:8080, [fd00::9]"])
        func proxied(_ url: String) -> Bool { rules.proxy(for: URL(string: url)!) != nil }
        #expect(!proxied("https://internal.corp/v1"))
        #expect(!proxied("https://ame.internal.corp"))
        #expect(proxied("https://notinternal.corp"))
        #expect(!proxied("http://ame-server.ame.svc.local:8080"))
        #expect(!proxied("https://gpu.lab"))
        #expect(!proxied("http://10.20.30.40:8080"))
        #expect(proxied("http://11.0.0.1"))
        #expect(!proxied("http://192.168.1.7"))
        #expect(proxied("http://192.168.1.8"))
        #expect(!proxied("https://ame.example"))
        #expect(!proxied("http://[fd00::9]:80"))
        #expect(proxied("https://registry.example.com"))
        #expect(!proxied("file:///tmp/x"), "only http(s) and ws(s) go through proxies")
        let everything = try ProxyRules.fromEnvironment(["https_proxy": "proxy:3128", "NO_PROXY": "*"])
        #expect(everything.proxy(for: URL(string: "https://example.com")!) == nil)
    }

    @Test("loopback is never proxied")
    func loopback() throws {
        let rules = try rules(["all_proxy": "proxy:3128"])
        for url in ["http://127.0.0.1:8080", "http://127.8.9.10", "http://localhost:1", "http://[::1]:80", "http://api.localhost"] {
            #expect(rules.proxy(for: URL(string: url)!) == nil, "\(url)")
        }
        #expect(rules.proxy(for: URL(string: "http://128.0.0.1")!) != nil)
    }
}
