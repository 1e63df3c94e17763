import AMECLI
#if canImport(Glibc)
import Glibc
#endif

// `ame NAME …` for a plugin runs here, before the first `await` starts Swift's async
// runtime and its threads (a few milliseconds of every dispatch); everything else below.
if let status = AMEMain.mainBeforeAsyncRuntime() { exit(status) }
await AMEMain.main()
