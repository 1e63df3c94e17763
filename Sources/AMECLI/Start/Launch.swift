/// `ame agent …`'s route, which the `ame` executable links in from `AMEAgent` (a target that
/// depends on AMECLI, so AMECLI cannot name it): the exit status, or nil for arguments that
/// are not the agent's.
public typealias AgentRoute = @Sendable (_ arguments: [String], _ context: CommandContext) async -> Int32?

/// What start-up knows of this invocation as it goes down `AMEMain.routes`: what a route
/// built or found is kept for the routes after it, so nothing is built twice.
struct Launch: Sendable {
    let arguments: [String]
    let agent: AgentRoute?
    /// The context, once a route needed it.
    var context: CommandContext?
    /// What the plugin route before the async runtime found for the first word, when it
    /// could not run the plugin there (no cached describe document, an invalid plugin, none).
    var plugin: PluginResolver.QuickResolution?

    init(arguments: [String], agent: AgentRoute?, context: CommandContext? = nil) {
        self.arguments = arguments
        self.agent = agent
        self.context = context
    }

    /// The context, built from the real process the first time it is asked for.
    mutating func liveContext() -> CommandContext {
        if let context { return context }
        let live = CommandContext.live()
        context = live
        return live
    }
}
