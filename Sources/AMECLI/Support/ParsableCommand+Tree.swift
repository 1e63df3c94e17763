import ArgumentParser

extension ParsableCommand {
    /// Whether `command` is of a type in this command's tree (itself or a subcommand, at any
    /// depth) rather than one ArgumentParser adds of its own, such as the `help` command it
    /// answers `COMMAND --help` with: what such a command throws is ArgumentParser's to word.
    public static func tree(contains command: any ParsableCommand) -> Bool {
        let wanted = ObjectIdentifier(type(of: command))
        var pending: [any ParsableCommand.Type] = [self]
        while let next = pending.popLast() {
            if ObjectIdentifier(next) == wanted { return true }
            pending += next.configuration.subcommands
        }
        return false
    }
}
