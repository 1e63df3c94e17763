import AMECore
import Foundation

/// Secrets per owner, sealed with AES-GCM before they reach the database. The key lives in
/// a separate 0600 file, so a copy of the database alone reveals nothing.
public struct SecretVault: Sendable {
    let store: RunStore
    let cipher: SecretCipher

    init(store: RunStore, keyFile: URL) throws {
        self.store = store
        self.cipher = try SecretCipher.loadOrCreateKey(at: keyFile)
    }

    /// Binds a sealed value to its owner and name, so rows cannot be swapped.
    private func associatedData(owner: String, name: String) -> Data {
        Data("ame-secret\u{0}\(owner)\u{0}\(name)".utf8)
    }

    public func set(owner: String, name: String, value: Data) throws {
        guard Names.isValidSecretName(name) else {
            throw APIError(.invalidRequest, "'\(name)' is not a valid secret name", hint: "use letters, digits, '.', '_' and '-' (at most 63)")
        }
        guard value.count <= 1 << 20 else {
            throw APIError(.invalidRequest, "secret '\(name)' is larger than 1 MiB", hint: "store large credentials in a file and keep its path or URL as the secret")
        }
        let sealed = try cipher.seal(value, associatedData: associatedData(owner: owner, name: name))
        try store.putSealedSecret(owner: owner, name: name, sealed: sealed)
    }

    public func value(owner: String, name: String) throws -> Data? {
        guard let sealed = try store.sealedSecret(owner: owner, name: name) else { return nil }
        return try cipher.open(sealed, associatedData: associatedData(owner: owner, name: name))
    }

    public func list(owner: String) throws -> [SecretInfo] {
        try store.secretInfos(owner: owner)
    }

    public func delete(owner: String, name: String) throws -> Bool {
        try store.deleteSecret(owner: owner, name: name)
    }

    // MARK: A run's secret env

    /// Binds a run secret to its run and variable name.
    private func runAssociatedData(runID: String, key: String) -> Data {
        Data("ame-run-secret\u{0}\(runID)\u{0}\(key)".utf8)
    }

    /// Seals `variables` (a run's `secretEnv`) for the run; they are kept until `forgetRunSecrets`.
    func setRunSecrets(runID: String, _ variables: [EnvVar]) throws {
        guard !variables.isEmpty else { return }
        let sealed = try variables.map { variable in
            (key: variable.key, sealed: try cipher.seal(Data(variable.value.utf8), associatedData: runAssociatedData(runID: runID, key: variable.key)))
        }
        try store.putSealedRunSecrets(runID, sealed)
    }

    /// The run's secret env, opened; empty once the run has ended.
    public func runSecrets(runID: String) throws -> [EnvVar] {
        try store.sealedRunSecrets(runID).map { entry in
            let value = try cipher.open(entry.sealed, associatedData: runAssociatedData(runID: runID, key: entry.key))
            return EnvVar(key: entry.key, value: String(decoding: value, as: UTF8.self))
        }
    }

    /// Deletes the run's secret env (when the run ends: nothing needs it any more).
    public func forgetRunSecrets(runID: String) {
        try? store.deleteRunSecrets(runID)
    }
}
