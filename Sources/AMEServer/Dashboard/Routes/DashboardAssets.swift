import Foundation
import Hummingbird
import NIOCore

/// The stylesheet, the script and the icon, compiled into the server (no CDN: the
/// dashboard works on a machine without internet).
enum DashboardAssets {
    static func add(to group: RouterGroup<AMERequestContext>) {
        let assets: [(String, [UInt8], String)] = [
            ("assets/dashboard.css", PackageResources.dashboard_css, "text/css; charset=utf-8"),
            ("assets/dashboard.js", PackageResources.dashboard_js, "text/javascript; charset=utf-8"),
            ("assets/favicon.svg", PackageResources.favicon_svg, "image/svg+xml"),
            ("favicon.ico", PackageResources.favicon_svg, "image/svg+xml"),
        ]
        for (path, bytes, type) in assets {
            group.get(RouterPath(stringLiteral: path)) { _, _ in
                // Revalidated on each load, so a new server version's files are used at once.
                Response(status: .ok, headers: [.contentType: type, .cacheControl: "no-cache"],
                         body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
            }
        }
    }
}
