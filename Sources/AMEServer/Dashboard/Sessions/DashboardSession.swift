import Foundation

/// A browser signed in with a token: who it speaks for, and the secret its forms must echo
/// back (CSRF). The cookie's value itself is not kept, only its hash.
struct DashboardSession: Sendable {
    var caller: Caller
    /// Put into every state-changing form; a POST without it is refused.
    var csrfToken: String
    var createdAt: Date
    var lastSeenAt: Date
}
