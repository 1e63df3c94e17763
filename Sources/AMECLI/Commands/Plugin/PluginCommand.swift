import ArgumentParser

/// `ame plugin list|install|remove|exec|test`.
struct PluginCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugin",
        abstract: "List, install, remove, test and run plugins (ame-NAME executables).",
        discussion: """
            A plugin is an executable named ame-NAME that AME finds in $AME_PLUGIN_PATH, the \
            installed-plugins folder, the folder of the ame binary, or $PATH; 'ame NAME' runs it. \
            The protocol is described in docs/plugins.md.
            """,
        subcommands: [ListPluginsCommand.self, InstallPluginCommand.self, RemovePluginCommand.self,
                      ExecPluginCommand.self, TestPluginCommand.self, CompletePluginsCommand.self])
}
