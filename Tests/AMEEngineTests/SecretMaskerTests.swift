import AMETestSupport
import AMEEngine
import Foundation
import Testing

@Suite struct SecretMaskerTests {
    /// What masking the whole text at once must give: at each position the longest secret
    /// starting there is replaced, otherwise the byte is kept.
    static func reference(_ input: [UInt8], patterns: [[UInt8]]) -> [UInt8] {
        var output: [UInt8] = []
        var index = 0
        while index < input.count {
            let match = patterns.filter { !$0.isEmpty && input[index...].starts(with: $0) }.map(\.count).max()
            if let match {
                output += Array("***".utf8)
                index += match
            } else {
                output.append(input[index])
                index += 1
            }
        }
        return output
    }

    /// Feeds `input` in chunks ending at `cuts` and returns everything released.
    static func mask(_ input: [UInt8], secrets: [Data], cuts: [Int]) -> [UInt8] {
        var masker = SecretMasker(secrets: secrets)
        var output = Data()
        var start = 0
        for cut in cuts + [input.count] where cut >= start {
            output += masker.process(Data(input[start..<cut]))
            start = cut
        }
        output += masker.flush()
        return [UInt8](output)
    }

    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, haystack.count >= needle.count else { return false }
        return (0...(haystack.count - needle.count)).contains { haystack[$0..<($0 + needle.count)].elementsEqual(needle) }
    }

    @Test func masksWholeSecrets() {
        var masker = SecretMasker(secrets: [Data("hunter2".utf8)])
        let output = masker.process(Data("password is hunter2, ok\n".utf8)) + masker.flush()
        #expect(String(decoding: output, as: UTF8.self) == "password is ***, ok\n")
    }

    @Test func withoutSecretsNothingChanges() {
        var masker = SecretMasker(secrets: [Data(), Data()])
        let data = Data((0...255).map { UInt8($0) })
        #expect(masker.process(data) == data)
        #expect(masker.flush().isEmpty)
    }

    @Test func outputIsNotDelayedUnlessItCouldBeASecret() {
        var masker = SecretMasker(secrets: [Data("s3cr3t".utf8)])
        #expect(masker.process(Data("hello world\n".utf8)) == Data("hello world\n".utf8))
        #expect(masker.process(Data("step 3 done".utf8)) == Data("step 3 done".utf8))
        // Only the part that could still become the secret waits.
        #expect(masker.process(Data("value: s3c".utf8)) == Data("value: ".utf8))
        #expect(masker.process(Data("r".utf8)) == Data())
        #expect(masker.process(Data("3t and more".utf8)) == Data("*** and more".utf8))
        // A prefix that turns out not to be the secret is released with the byte that ends it.
        #expect(masker.process(Data("s3x".utf8)) == Data("s3x".utf8))
        #expect(masker.process(Data("ss".utf8)) == Data("s".utf8))
        #expect(masker.flush() == Data("s".utf8))
        #expect(masker.flush().isEmpty)
    }

    @Test func aSecretSplitOneBytePerChunkIsMasked() {
        var masker = SecretMasker(secrets: [Data("token-123".utf8)])
        var output = Data()
        for byte in "id=token-123;".utf8 { output += masker.process(Data([byte])) }
        output += masker.flush()
        #expect(String(decoding: output, as: UTF8.self) == "id=***;")
    }

    @Test func longestOverlappingSecretWins() {
        let secrets = [Data("pass".utf8), Data("password".utf8), Data("word".utf8)]
        func masked(_ text: String) -> String {
            String(decoding: Self.mask(Self.bytes(text), secrets: secrets, cuts: []), as: UTF8.self)
        }
        #expect(masked("password") == "***")
        #expect(masked("passwor") == "***wor")
        #expect(masked("passx") == "***x")
        #expect(masked("a password, a pass, a word") == "a ***, a ***, a ***")
        var masker = SecretMasker(secrets: secrets)
        // "pass" is complete but might grow into "password": held until decided.
        #expect(masker.process(Data("my pass".utf8)) == Data("my ".utf8))
        #expect(masker.process(Data("word!".utf8)) == Data("***!".utf8))
    }

    @Test func multiLineSecretsAreAlsoMaskedLineByLine() {
        let key = "-----BEGIN KEY-----\r\nMIIEabcdef\r\nxyz\n-----END KEY-----"
        let secrets = [Data(key.utf8)]
        let whole = Self.mask(Self.bytes("key: \(key)\n"), secrets: secrets, cuts: [])
        #expect(String(decoding: whole, as: UTF8.self) == "key: ***\n")
        let lines = Self.mask(Self.bytes("MIIEabcdef\nxyz\n-----END KEY-----\n"), secrets: secrets, cuts: [3, 12])
        // Lines under 4 bytes are too common to hide.
        #expect(String(decoding: lines, as: UTF8.self) == "***\nxyz\n***\n")
    }

    @Test func everySplitOfTextWithSecretsMasksTheSame() {
        var generator = SplitMix64(seed: 42)
        let alphabet = Self.bytes("abcs3t-\n ")
        for round in 0..<60 {
            // Secrets from a small alphabet, so that they overlap and share prefixes often.
            let secretCount = 1 + Int(generator.next() % 3)
            let secrets: [[UInt8]] = (0..<secretCount).map { _ in
                (0..<(2 + Int(generator.next() % 6))).map { _ in alphabet[Int(generator.next() % 4)] }
            }
            var input: [UInt8] = []
            for _ in 0..<(3 + Int(generator.next() % 6)) {
                input += (0..<Int(generator.next() % 8)).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] }
                input += secrets[Int(generator.next() % UInt64(secrets.count))]
            }
            let secretData = secrets.map { Data($0) }
            let expected = Self.reference(input, patterns: secrets)
            for secret in secrets {
                #expect(!Self.contains(expected, secret), "round \(round)")
            }
            // Every single cut, and one byte at a time.
            for cut in 0...input.count {
                let output = Self.mask(input, secrets: secretData, cuts: [cut])
                #expect(output == expected, "round \(round), cut at \(cut)")
            }
            #expect(Self.mask(input, secrets: secretData, cuts: Array(0..<input.count)) == expected, "round \(round), bytewise")
            // Some random chunkings too.
            for _ in 0..<10 {
                let cuts = (0..<Int(generator.next() % 6)).map { _ in Int(generator.next() % UInt64(input.count + 1)) }.sorted()
                #expect(Self.mask(input, secrets: secretData, cuts: cuts) == expected, "round \(round), cuts \(cuts)")
            }
        }
    }

    @Test func releasedOutputIsAlwaysAPrefixOfTheFinalOutput() {
        // Held-back bytes are exactly the undecided tail: nothing released is ever taken back.
        var generator = SplitMix64(seed: 7)
        let secrets = [Self.bytes("abab"), Self.bytes("abc"), Self.bytes("bca")]
        for _ in 0..<200 {
            let input = (0..<40).map { _ in Self.bytes("abcx")[Int(generator.next() % 4)] }
            let expected = Self.reference(input, patterns: secrets)
            var masker = SecretMasker(secrets: secrets.map { Data($0) })
            var released: [UInt8] = []
            for byte in input {
                released += masker.process(Data([byte]))
                #expect(expected.starts(with: released))
            }
            released += masker.flush()
            #expect(released == expected)
        }
    }

    @Test func largeOutputWithoutSecretsPassesQuickly() {
        var masker = SecretMasker(secrets: [Data("zq9-secret-value".utf8), Data("Another one".utf8)])
        let line = Data("epoch 1/10 loss=0.1234 accuracy=0.98 lr=0.001\n".utf8)
        var input = Data()
        while input.count < 8 << 20 { input.append(line) }
        let clock = ContinuousClock()
        var output = Data()
        let elapsed = clock.measure {
            for start in stride(from: 0, to: input.count, by: 65536) {
                output += masker.process(input[start..<min(start + 65536, input.count)])
            }
            output += masker.flush()
        }
        #expect(output == input)
        #expect(elapsed < .seconds(30), "masking 8 MiB took \(elapsed)")
    }
}
