import AMECore

/// A failure as a page: what went wrong and what to do, never a stack trace.
enum ErrorPage {
    static func render(_ error: APIError, session: DashboardSession?, serverName: String) -> HTML {
        let heading: String
        switch error.code {
        case .notFound: heading = "Not found"
        case .forbidden: heading = "Not allowed"
        case .invalidRequest, .invalidProject: heading = "That request is not right"
        case .unauthorized: heading = "Please sign in"
        case .internal: heading = "Something went wrong on the server"
        default: heading = "That did not work"
        }
        let hint: HTML = error.hint.map { "<p class=\"hint\">\($0)</p>" } ?? .empty
        let main: HTML = """
            <h1>\(heading)</h1>
            <p role="alert">\(error.message)</p>
            \(hint)
            <p><a href="/runs">Back to the runs</a></p>
            """
        return DashboardLayout.page(title: heading, session: session, serverName: serverName, main: main)
    }
}
