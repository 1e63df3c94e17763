import AMECore
import AMEEngine
import AMETestSupport
import Crypto
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite struct FileHasherTests {
    @Test func hashesEmptySmallAndMultiChunkFiles() throws {
        let directory = try TemporaryDirectory()
        try directory.write("empty", "")
        try directory.write("abc", "abc")
        // Spans several 1 MiB reads and ends mid-chunk.
        var big = Data(count: 3 * FileHasher.chunkSize + 12_345)
        for index in big.indices { big[index] = UInt8(truncatingIfNeeded: index &* 31 &+ index >> 9) }
        try big.write(to: directory.file("big"))

        #expect(try FileHasher.hash(path: directory.file("empty").path).digest.hex
            == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(try FileHasher.hash(path: directory.file("abc").path).digest.hex
            == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let hashed = try FileHasher.hash(path: directory.file("big").path)
        #expect(hashed.digest == AMECore.Digest(bytes: SHA256.hash(data: big)))
        #expect(hashed.size == Int64(big.count))
        #expect(hashed.isStable)
        #expect(!hashed.isExecutable)
    }

    /// A "regular file" whose first read fails (EIO at offset 0) even for root, unlike
    /// permission bits: the read-error path without needing an unprivileged user.
    @Test(.enabled(if: FileManager.default.isReadableFile(atPath: "/proc/self/mem"),
                   "needs a readable /proc/self/mem (a Linux /proc this process may open)"))
    func readErrorsNameTheFile() throws {
        let path = "/proc/self/mem"
        #expect {
            try FileHasher.hash(path: path)
        } throws: { error in
            guard case SyncError.cannotRead(let failing, let reason) = error else { return false }
            return failing == path && reason == String(cString: strerror(EIO))
        }
    }

    @Test func refusesSymlinksAndMissingFiles() throws {
        let directory = try TemporaryDirectory()
        try directory.write("real", "x")
        try FileManager.default.createSymbolicLink(atPath: directory.file("link").path, withDestinationPath: "real")
        #expect(throws: SyncError.self) { try FileHasher.hash(path: directory.file("link").path) }
        #expect(throws: SyncError.self) { try FileHasher.hash(path: directory.file("missing").path) }
    }
}
