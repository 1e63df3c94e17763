import AMECLI
#if canImport(Glibc)
import Glibc
#endif

// `ame NAME …` for a plugin runs here, before Swift's async runtime starts and its threads
// (a few milliseconds of every dispatch); everything else runs as a task of that runtime.
if let status = AMEMain.mainBeforeAsyncRuntime() { exit(status) }
AMEMain.runAsyncMain()
