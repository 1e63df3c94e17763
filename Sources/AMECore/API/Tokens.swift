import Foundation

/// An access token as the server lists it: never its value.
public struct TokenInfo: Hashable, Sendable, Codable {
    public var id: String
    public var user: String
    public var admin: Bool
    public var description: String?
    public var createdAt: Date
    public var lastUsedAt: Date?
    public var revokedAt: Date?

    public init(id: String, user: String, admin: Bool, description: String?, createdAt: Date, lastUsedAt: Date?, revokedAt: Date?) {
        self.id = id
        self.user = user
        self.admin = admin
        self.description = description
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
        self.revokedAt = revokedAt
    }
}

/// `POST /v1/tokens`.
public struct TokenRequest: Hashable, Sendable, Codable {
    public var user: String
    public var admin: Bool?
    public var description: String?

    public init(user: String, admin: Bool = false, description: String? = nil) {
        self.user = user
        self.admin = admin
        self.description = description
    }
}

/// A token just made: the only time its value is shown.
public struct CreatedToken: Hashable, Sendable, Codable {
    public var token: String
    public var info: TokenInfo

    public init(token: String, info: TokenInfo) {
        self.token = token
        self.info = info
    }
}

public struct TokenList: Hashable, Sendable, Codable {
    public var tokens: [TokenInfo]
    public init(tokens: [TokenInfo]) { self.tokens = tokens }
}
