import Foundation

/// Shell-script plugins for tests. Each one appends a line to `$AME_TEST_SPAWNS` whenever
/// it starts (so tests can count processes), answers `--ame-describe` with `describe`,
/// and then runs `session` with the protocol on stdin/stdout. AME's request ids are fixed
/// (1 for initialize, 2 for run), which keeps these scripts short.
enum FixturePlugin {
    static func describe(name: String, version: String = "1.0.0", min: Int = 1, max: Int = 1, summary: String = "A fixture") -> String {
        #"{"schemaVersion":1,"name":"\#(name)","version":"\#(version)","vendor":"tests","shortDescription":"\#(summary)","protocol":{"min":\#(min),"max":\#(max)},"commands":[{"name":"go","abstract":"Go.","options":[{"names":["--level"],"takesValue":true,"completion":{"kind":"values","values":["low","high"]}}]}]}"#
    }

    static let answerInitialize = #"read -r line; printf '%s\n' '{"jsonrpc":"2.0","id":1,"result":{"protocolVersion":1}}'"#

    /// A well-behaved plugin that prints which file ran and with which arguments.
    static func script(name: String, version: String = "1.0.0", min: Int = 1, max: Int = 1,
                       describe customDescribe: String? = nil, session: String? = nil) -> String {
        let describeBody = customDescribe ?? "printf '%s\\n' '\(describe(name: name, version: version, min: min, max: max))'"
        let sessionBody = session ?? """
            \(answerInitialize)
            read -r line
            printf '{"jsonrpc":"2.0","method":"output","params":{"text":"ran %s %s\\\\n"}}\\n' "$0" "$(printf '%s' "$line" | sed 's/.*"argv":\\[\\(.*\\)\\].*/\\1/' | tr -d '"')"
            printf '%s\\n' '{"jsonrpc":"2.0","id":2,"result":{"exitCode":0}}'
            """
        return """
            #!/bin/sh
            [ -n "$AME_TEST_SPAWNS" ] && echo "$0 $*" >> "$AME_TEST_SPAWNS"
            if [ "$1" = "--ame-describe" ]; then
            \(describeBody)
            exit 0
            fi
            \(sessionBody)

            """
    }
}
