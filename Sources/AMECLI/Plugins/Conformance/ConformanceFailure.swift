/// Why a conformance step could not go on, in a sentence.
struct ConformanceFailure: Error {
    var message: String
    init(_ message: String) { self.message = message }
}
