import AMEAgent
import AMECLI

// `ame NAME …` for a cached plugin finishes before Swift's async runtime and its threads
// start (a few milliseconds of every dispatch); everything else runs as a task of that
// runtime (see `AMEMain.start` for why not as an async main). `ame agent …` lives in a
// target of its own, handed in here.
AMEMain.start(agent: { arguments, context in await AgentEntry.answer(arguments, context: context) })
