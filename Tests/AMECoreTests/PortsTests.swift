import AMECore
import Testing

@Suite("ports in ame.yaml")
struct PortsTests {
    @Test("port 0 is a free port chosen when the run starts, as plugins may ask for; other ports stay unique")
    func portZero() throws {
        let project = try ProjectFile.parse("""
            projectname: services
            tasks:
              board:
                runcommand: tensorboard --port $AME_PORT
                ports: [0, 8888, {port: 0, name: extra}]
            """)
        #expect(project.task(named: "board")?.ports == [PortSpec(port: 0), PortSpec(port: 8888), PortSpec(port: 0, name: "extra")])
        let twice = ProjectFileDecoder(source: "projectname: p\ntasks:\n  t:\n    runcommand: x\n    ports: [8888, 8888]\n").decode()
        #expect(twice.errors.map(\.message) == ["task 't' lists port 8888 twice"])
        let negative = ProjectFileDecoder(source: "projectname: p\ntasks:\n  t:\n    runcommand: x\n    ports: [-1]\n").decode()
        #expect(negative.errors.first?.message == "a port of task 't' must be from 0 to 65535, not -1")
    }
}
