import AMECore
import AMETestSupport
import KubernetesTestSupport
import Foundation
import Testing

/// GPUs are found with `nvidia-smi` and handed out by index. This machine has none, so the
/// tests put a stand-in `nvidia-smi` (answering as the real one does) first on PATH.
@Suite("GPU contract")
struct GPUContractTests {
    let project = """
        projectname: gpus
        tasks:
          one:
            runcommand: echo "devices=[$CUDA_VISIBLE_DEVICES]"
            dependencies: none
            resources: {gpus: 1}
          none:
            runcommand: echo "devices=[$CUDA_VISIBLE_DEVICES]"
            dependencies: none
          three:
            runcommand: "true"
            dependencies: none
            resources: {gpus: 3}
        """

    func installFakeNvidiaSMI(in sandbox: AMESandbox, gpus: Int) throws {
        let bin = sandbox.directory.url.appendingPathComponent("bin")
        let lines = (0..<gpus).map { "\($0), NVIDIA A100-SXM4-40GB, 40960" }.joined(separator: "\\n")
        try sandbox.directory.write("bin/nvidia-smi", """
            #!/bin/sh
            # Answers the query AME makes, in nvidia-smi's csv,noheader,nounits format.
            printf '\(lines)\\n'
            """, mode: 0o755)
        sandbox.setEnvironment("PATH", bin.path + ":" + (sandbox.environment["PATH"] ?? "/usr/bin:/bin"))
        // Remote, the GPUs are the server machine's: it looks for them when it starts.
        if sandbox.transport == .server { try sandbox.restartServer() }
    }

    @Test("a step gets the GPUs it asked for by index, and none when it asked for none", arguments: Transport.available)
    func assignsByIndex(transport: Transport) async throws {
        let sandbox = try AMESandbox(transport)
        try installFakeNvidiaSMI(in: sandbox, gpus: 2)
        try await sandbox.prepare()
        let directory = try sandbox.project(["ame.yaml": project])
        let one = try await sandbox.ame(["run", "one"], in: directory)
        #expect(one.exitCode == 0, "\(one.stderr)")
        #expect(one.stdout == "devices=[0]\n")
        let none = try await sandbox.ame(["run", "none"], in: directory)
        #expect(none.stdout == "devices=[]\n")
        let three = try await sandbox.ame(["run", "three"], in: directory)
        #expect(three.exitCode != 0)
        #expect(three.stderr.contains("asks for 3 GPUs"))
        #expect(three.stderr.contains("has 2"))
    }

    @Test("asking for a GPU on a machine without one is an error at submit", arguments: Transport.available)
    func noGPUs(transport: Transport) async throws {
        let sandbox = try AMESandbox(transport)
        try await sandbox.prepare()
        let directory = try sandbox.project(["ame.yaml": project])
        let result = try await sandbox.ame(["run", "one"], in: directory)
        #expect(result.exitCode != 0)
        #expect(result.stderr.contains("no GPUs"))
        let runs = try Contract.decode(RunPage.self, try await sandbox.ame(["runs", "--json"]))
        #expect(runs.runs.isEmpty, "a rejected run must not be queued")
    }
}
