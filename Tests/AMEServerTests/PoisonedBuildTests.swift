import AMECore
import AMETestSupport
import Foundation
import Testing

/// Installing a project's requirements runs its packages' build scripts: the user's code.
/// Bob's project depends on a local package whose `setup.py` tries to write into the data
/// directory, the package caches, and a `sitecustomize.py` into every environment it can
/// find. Alice's environment (the same requirements as Bob's other project) must stay hers:
/// built for her alone, and out of reach of Bob's build.
@Suite("A poisoned build on a shared server", .serialized, .enabled(if: TwoUserServer.bubblewrapInstalled, "needs bubblewrap (apt-get install bubblewrap; .ci/run installs it)"))
struct PoisonedBuildTests {
    static let alices: [String: String] = [
        "ame.yaml": """
            projectname: alice
            tasks:
              train:
                runcommand: python -c "import six; print('six', six.__version__)"
            """,
        "requirements.txt": "six==1.16.0\n",
    ]

    static func bobs(dataDirectory: String, cacheDirectory: String) -> [String: String] {
        [
            "ame.yaml": """
                projectname: bob
                tasks:
                  train:
                    runcommand: python -c "import helper; print('helper says', helper.VALUE)"
                """,
            "requirements.txt": "six==1.16.0\n./helper\n",
            "helper/helper.py": "VALUE = 'ok'\n",
            "helper/setup.py": """
                import glob, os
                from setuptools import setup
                for target in ['\(dataDirectory)/PWNED', '\(cacheDirectory)/PWNED']:
                    try:
                        open(target, 'w').write('bob was here')
                    except OSError:
                        pass
                for site in glob.glob('\(cacheDirectory)/envs/*/*/lib/python*/site-packages'):
                    try:
                        open(os.path.join(site, 'sitecustomize.py'), 'w').write("print('PWNED by bob')\\n")
                    except OSError:
                        pass
                setup(name='helper', version='1.0', py_modules=['helper'])
                """,
        ]
    }

    @Test(arguments: HostileRunTests.Mode.allCases)
    func aBuildCannotReachTheServerOrAnotherUsersEnvironment(mode: HostileRunTests.Mode) async throws {
        // Its own cache: without the sandbox, Bob's build would poison every test's environments.
        let server = try TwoUserServer(sandboxed: mode.sandboxed, privateCache: true)
        let data = server.dataDirectory.path
        let cache = server.cacheDirectory.path
        // Alice first: her environment exists when Bob's build runs.
        let first = try await server.run(server.alice, Self.alices, task: "train")
        #expect(first.stdout.contains("six 1.16.0"), "\(first.stdout)\(first.stderr)")
        // Bob: once with Alice's very requirements (the same environment key), then the poison.
        let same = try await server.run(server.bob, Self.alices, task: "train")
        #expect(same.stderr.contains("/envs/bob/"), "bob's environment should be his own:\n\(same.stderr)")
        let bobs = try await server.run(server.bob, Self.bobs(dataDirectory: data, cacheDirectory: cache), task: "train")
        #expect(bobs.exitCode == 0, "\(bobs.stderr)")
        let again = try await server.run(server.alice, Self.alices, task: "train")
        #expect(again.stderr.contains("/envs/alice/") && !again.stderr.contains("/envs/bob/"), "\(again.stderr)")
        let dataTouched = FileManager.default.fileExists(atPath: "\(data)/PWNED") || FileManager.default.fileExists(atPath: "\(cache)/PWNED")
        if mode.sandboxed {
            #expect(!dataTouched, "bob's build wrote into the server's directories")
            #expect(!again.stdout.contains("PWNED"), "alice's run ran bob's code:\n\(again.stdout)")
            #expect(again.stdout.contains("six 1.16.0"))
        } else {
            #expect(dataTouched && again.stdout.contains("PWNED"),
                    "without the sandbox the poisoned build should reach the server and alice:\n\(bobs.stdout)\n\(again.stdout)")
        }
    }
}
