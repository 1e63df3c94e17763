@testable import AMECLI
import Testing

@Suite("client and server versions: a warning when major or minor differ")
struct VersionSkewTests {
    @Test("patch releases mix; minor and major differences warn, naming both versions and the newer side")
    func skew() throws {
        #expect(VersionSkew.warning(client: "0.1.0", server: "0.1.7", url: "https://ame.example") == nil)
        #expect(VersionSkew.warning(client: "1.4.2", server: "1.4.0-rc1", url: "https://ame.example") == nil)
        #expect(VersionSkew.warning(client: "0.1.0", server: nil, url: "https://ame.example") == nil)

        let newerServer = try #require(VersionSkew.warning(client: "0.1.0", server: "0.2.0", url: "https://ame.example"))
        #expect(newerServer.message == "this ame is 0.1.0 but ame-server at https://ame.example is 0.2.0; commands may fail or be misunderstood")
        #expect(newerServer.hint.contains("the server is the newer one"))
        let newerClient = try #require(VersionSkew.warning(client: "2.0.0", server: "1.9.3", url: "https://ame.example"))
        #expect(newerClient.hint.contains("ame is the newer one"))
    }

    @Test("versions are compared by their numbers, not as text")
    func series() {
        #expect(VersionSkew.series("0.10.2") == [0, 10])
        #expect(VersionSkew.series("1.2.3-beta.1+abc") == [1, 2])
        #expect(VersionSkew.series("10") == [10])
        #expect(VersionSkew.warning(client: "0.9.0", server: "0.10.0", url: "u")?.hint.contains("the server is the newer one") == true)
    }
}
