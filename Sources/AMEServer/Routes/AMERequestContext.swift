import AMECore
import Hummingbird
import HummingbirdWebSocket
import Logging

/// The context every AME route gets: Hummingbird's core storage plus the caller that the
/// authentication middleware found (nil only on the routes that need no token).
public struct AMERequestContext: RequestContext, WebSocketRequestContext {
    public var coreContext: CoreRequestContextStorage
    public var caller: Caller?
    /// Set by the tunnel route when it accepts a WebSocket upgrade.
    public let webSocket: WebSocketHandlerReference<AMERequestContext>
    /// The dashboard's signed-in browser (set by `DashboardMiddleware`; nil on the API).
    var session: DashboardSession?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        caller = nil
        webSocket = .init()
        session = nil
    }

    /// JSON bodies (run requests with large manifests) may be this big.
    public var maxUploadSize: Int { 64 << 20 }

    /// The authenticated caller; routes behind `AuthMiddleware` always have one.
    func requireCaller() throws -> Caller {
        guard let caller else { throw APIError.unauthorizedRequest() }
        return caller
    }
}
