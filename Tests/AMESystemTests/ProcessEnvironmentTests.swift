import AMESystem
import Foundation
import Testing

@Suite struct ProcessEnvironmentTests {
    @Test("the environment read from environ is Foundation's, values with '=' and empty ones included")
    func matchesFoundation() throws {
        setenv("AME_TEST_WITH_EQUALS", "a=b=c", 1)
        setenv("AME_TEST_EMPTY", "", 1)
        defer {
            unsetenv("AME_TEST_WITH_EQUALS")
            unsetenv("AME_TEST_EMPTY")
        }
        let environment = ProcessEnvironment.current()
        #expect(environment["AME_TEST_WITH_EQUALS"] == "a=b=c")
        #expect(environment["AME_TEST_EMPTY"] == "")
        #expect(environment == ProcessInfo.processInfo.environment)
    }
}
