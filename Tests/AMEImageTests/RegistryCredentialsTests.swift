@testable import AMECLI
import AMECore
import Foundation
import Testing

@Suite("Registry credentials, references and challenges")
struct RegistryCredentialsTests {
    @Test("secret values: USER:PASSWORD, KEY=VALUE lines, JSON")
    func secretFormats() {
        #expect(RegistryCredentialStore.parseSecret(Data("ada:s3cret:with:colons\n".utf8))! == ("ada", "s3cret:with:colons"))
        #expect(RegistryCredentialStore.parseSecret(Data("username=ada\npassword=\"p=w\"\n".utf8))! == ("ada", "p=w"))
        #expect(RegistryCredentialStore.parseSecret(Data("REGISTRY_USERNAME=ada\nREGISTRY_PASSWORD=tok\n".utf8))! == ("ada", "tok"))
        #expect(RegistryCredentialStore.parseSecret(Data(#"{"username": "ada", "password": "tok"}"#.utf8))! == ("ada", "tok"))
        #expect(RegistryCredentialStore.parseSecret(Data("just-a-token".utf8)) == nil)
    }

    @Test("auth files: exact host, Docker Hub's legacy key, the longest namespace wins")
    func authFiles() {
        let auth = { (user: String) in Data("\(user):pw".utf8).base64EncodedString() }
        let file = Data("""
            {"auths": {
              "https://index.docker.io/v1/": {"auth": "\(auth("hub"))"},
              "quay.io": {"auth": "\(auth("quay"))"},
              "quay.io/team": {"auth": "\(auth("team"))"},
              "127.0.0.1:5000": {"username": "local", "password": "pw"}
            }}
            """.utf8)
        #expect(RegistryCredentialStore.lookUp(registry: "docker.io", path: "library/python", inAuthFile: file)?.0 == "hub")
        #expect(RegistryCredentialStore.lookUp(registry: "quay.io", path: "other/x", inAuthFile: file)?.0 == "quay")
        #expect(RegistryCredentialStore.lookUp(registry: "quay.io", path: "team/x", inAuthFile: file)?.0 == "team")
        #expect(RegistryCredentialStore.lookUp(registry: "quay.io", path: "teamwork/x", inAuthFile: file)?.0 == "quay")
        #expect(RegistryCredentialStore.lookUp(registry: "127.0.0.1:5000", path: nil, inAuthFile: file)?.0 == "local")
        #expect(RegistryCredentialStore.lookUp(registry: "ghcr.io", path: nil, inAuthFile: file) == nil)
    }

    @Test("the secret AME looks for, and the order of the auth files")
    func names() {
        #expect(RegistryCredentialStore.secretName(for: "ghcr.io") == "registry-ghcr.io")
        #expect(RegistryCredentialStore.secretName(for: "127.0.0.1:5000") == "registry-127.0.0.1-5000")
        let store = RegistryCredentialStore(environment: ["HOME": "/home/ada", "REGISTRY_AUTH_FILE": "/etc/auth.json",
                                                          "XDG_RUNTIME_DIR": "/run/user/1000"]) { _ in nil }
        #expect(store.authFiles().map(\.path) == ["/etc/auth.json", "/run/user/1000/containers/auth.json",
                                                  "/home/ada/.config/containers/auth.json", "/home/ada/.docker/config.json"])
    }

    @Test("a secret wins over the auth file; a named secret that is missing is an error")
    func precedence() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ame-auth-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("auth.json")
        try Data(#"{"auths": {"ghcr.io": {"username": "file", "password": "pw"}}}"#.utf8).write(to: file)
        let secrets = ["registry-ghcr.io": "secret:pw"]
        let store = RegistryCredentialStore(environment: ["HOME": folder.path, "REGISTRY_AUTH_FILE": file.path]) { name in
            secrets[name].map { Data($0.utf8) }
        }
        #expect(try await store.credential(for: "ghcr.io")?.username == "secret")
        #expect(try await store.credential(for: "ghcr.io")?.source == "secret:registry-ghcr.io")
        let fileOnly = RegistryCredentialStore(environment: ["HOME": folder.path, "REGISTRY_AUTH_FILE": file.path]) { _ in nil }
        #expect(try await fileOnly.credential(for: "ghcr.io")?.source == file.path)
        #expect(try await fileOnly.credential(for: "quay.io") == nil)
        await #expect(throws: RegistryCredentialStore.Failure.self) {
            try await fileOnly.credential(for: "ghcr.io", secret: "missing")
        }
    }

    @Test("references as the registry API addresses them")
    func repositories() throws {
        let hub = try RegistryRepository(parsing: "python:3.11-slim")
        #expect(hub.registry == "docker.io" && hub.apiHost == "registry-1.docker.io" && hub.path == "library/python" && hub.reference == "3.11-slim")
        let local = try RegistryRepository(parsing: "127.0.0.1:5000/team/demo@sha256:" + String(repeating: "0", count: 64))
        #expect(local.registry == "127.0.0.1:5000" && local.path == "team/demo" && local.reference.hasPrefix("sha256:"))
        #expect(local.isLoopback)
        #expect(try RegistryRepository(parsing: "localhost/x").isLoopback)
        #expect(try RegistryRepository(parsing: "ghcr.io/team/x").reference == "latest")
        #expect(!(try RegistryRepository(parsing: "ghcr.io/team/x").isLoopback))
        #expect(RegistryRepository.allowsInsecure("registry.lan:5000", environment: ["AME_INSECURE_REGISTRIES": "a.b, registry.lan:5000"]))
    }

    @Test("WWW-Authenticate challenges")
    func challenges() {
        let bearer = AuthChallenge(#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/python:pull""#)
        #expect(bearer.scheme == "bearer")
        #expect(bearer.parameters == ["realm": "https://auth.docker.io/token", "service": "registry.docker.io",
                                      "scope": "repository:library/python:pull"])
        let basic = AuthChallenge(#"Basic realm="ame-test""#)
        #expect(basic.scheme == "basic" && basic.parameters["realm"] == "ame-test")
    }
}
