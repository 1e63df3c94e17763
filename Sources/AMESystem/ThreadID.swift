import CAMESystem

/// The calling thread's kernel id: threads running at once have different ones.
public enum ThreadID {
    public static var current: Int { Int(ame_gettid()) }
}
