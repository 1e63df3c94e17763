import AMEEngine
import AMETestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite struct SecretCipherTests {
    let scratch: TemporaryDirectory

    init() throws {
        scratch = try TemporaryDirectory(prefix: "ame-vault")
    }

    func mode(_ path: String) -> mode_t {
        var info = stat()
        guard stat(path, &info) == 0 else { return 0 }
        return info.st_mode & 0o7777
    }

    @Test func roundTripWithAFreshKey() throws {
        let keyFile = scratch.file("data/secrets.key")
        let cipher = try SecretCipher.loadOrCreateKey(at: keyFile)
        #expect(mode(keyFile.path) == 0o600)
        #expect(try Data(contentsOf: keyFile).count == 32)
        for plaintext in [Data(), Data("hunter2".utf8), Data(repeating: 7, count: 100_000)] {
            let sealed = try cipher.seal(plaintext, associatedData: Data("alice/DB_PASSWORD".utf8))
            #expect(sealed.count == plaintext.count + 28)
            #expect(try cipher.open(sealed, associatedData: Data("alice/DB_PASSWORD".utf8)) == plaintext)
        }
        // Fresh nonces: the same value never seals to the same bytes.
        let once = try cipher.seal(Data("same".utf8), associatedData: Data())
        let twice = try cipher.seal(Data("same".utf8), associatedData: Data())
        #expect(once != twice)
        // Loading again gives the same key.
        let reloaded = try SecretCipher.loadOrCreateKey(at: keyFile)
        #expect(try reloaded.open(once, associatedData: Data()) == Data("same".utf8))
        let names = try FileManager.default.contentsOfDirectory(atPath: scratch.file("data").path)
        #expect(names == ["secrets.key"])
    }

    @Test func tamperingIsDetected() throws {
        let cipher = try SecretCipher.loadOrCreateKey(at: scratch.file("secrets.key"))
        let associated = Data("bob/TOKEN".utf8)
        let sealed = try cipher.seal(Data("a secret value".utf8), associatedData: associated)
        for index in sealed.indices {
            var altered = sealed
            altered[index] ^= 0x01
            #expect(throws: SecretCipherError.authenticationFailed) { try cipher.open(altered, associatedData: associated) }
        }
        #expect(throws: SecretCipherError.authenticationFailed) { try cipher.open(sealed.dropLast(), associatedData: associated) }
        #expect(throws: SecretCipherError.malformedCiphertext) { try cipher.open(Data(sealed.prefix(20)), associatedData: associated) }
    }

    @Test func associatedDataIsBound() throws {
        let cipher = try SecretCipher.loadOrCreateKey(at: scratch.file("secrets.key"))
        let sealed = try cipher.seal(Data("value".utf8), associatedData: Data("alice/KEY".utf8))
        #expect(throws: SecretCipherError.authenticationFailed) { try cipher.open(sealed, associatedData: Data("mallory/KEY".utf8)) }
        #expect(throws: SecretCipherError.authenticationFailed) { try cipher.open(sealed, associatedData: Data()) }
    }

    @Test func anotherKeyCannotOpen() throws {
        let first = try SecretCipher.loadOrCreateKey(at: scratch.file("one.key"))
        let second = try SecretCipher.loadOrCreateKey(at: scratch.file("two.key"))
        let sealed = try first.seal(Data("value".utf8), associatedData: Data())
        #expect(throws: SecretCipherError.authenticationFailed) { try second.open(sealed, associatedData: Data()) }
        #expect(SecretCipherError.authenticationFailed.description.contains("another key"))
    }

    @Test func aKeyOthersCanReadIsRefused() throws {
        let keyFile = scratch.file("secrets.key")
        _ = try SecretCipher.loadOrCreateKey(at: keyFile)
        #expect(chmod(keyFile.path, 0o644) == 0)
        #expect(throws: SecretCipherError.keyFileTooOpen(path: keyFile.path, mode: 0o644)) {
            try SecretCipher.loadOrCreateKey(at: keyFile)
        }
        #expect(SecretCipherError.keyFileTooOpen(path: keyFile.path, mode: 0o644).description.contains("chmod 600 \(keyFile.path)"))
        #expect(chmod(keyFile.path, 0o640) == 0)
        #expect(throws: SecretCipherError.self) { try SecretCipher.loadOrCreateKey(at: keyFile) }
        #expect(chmod(keyFile.path, 0o600) == 0)
        _ = try SecretCipher.loadOrCreateKey(at: keyFile)
    }

    @Test func anInvalidKeyIsNeverReplaced() throws {
        for content in [Data(), Data(repeating: 1, count: 10), Data(repeating: 1, count: 33)] {
            let keyFile = try scratch.write("bad-\(content.count).key", "", mode: 0o600)
            try content.write(to: keyFile)
            #expect(throws: SecretCipherError.self) { try SecretCipher.loadOrCreateKey(at: keyFile) }
            #expect(try Data(contentsOf: keyFile) == content)
        }
        let error = SecretCipherError.invalidKeyFile(path: "/k", reason: "expected 32 bytes, found 10")
        #expect(error.description.contains("restore it from a backup"))
    }

    @Test func racingCreatorsEndWithOneKey() throws {
        for round in 0..<20 {
            let keyFile = scratch.file("race-\(round)/secrets.key")
            let ciphers = RaceResults()
            DispatchQueue.concurrentPerform(iterations: 8) { _ in
                ciphers.add(Result { try SecretCipher.loadOrCreateKey(at: keyFile) })
            }
            let all = try ciphers.values.map { try $0.get() }
            #expect(all.count == 8)
            let sealed = try #require(all.first).seal(Data("shared".utf8), associatedData: Data())
            for cipher in all {
                #expect(try cipher.open(sealed, associatedData: Data()) == Data("shared".utf8))
            }
            #expect(try FileManager.default.contentsOfDirectory(atPath: keyFile.deletingLastPathComponent().path) == ["secrets.key"])
        }
    }
}
