import AMECore

/// The caller's secrets by name. Values never leave the vault, so none can appear here.
enum SecretsPage {
    static func render(_ secrets: [SecretInfo], session: DashboardSession, serverName: String) -> HTML {
        let body: HTML
        if secrets.isEmpty {
            body = "<p>You have no secrets. Set one with <code>ame secret set NAME</code>.</p>"
        } else {
            let rows = secrets.sorted { $0.name < $1.name }.map { secret -> HTML in
                "<tr><th scope=\"row\"><code>\(secret.name)</code></th><td>\(DashboardFormat.time(secret.createdAt))</td><td>\(DashboardFormat.time(secret.updatedAt))</td></tr>"
            }
            body = """
                <table>
                <caption>Your secrets (names only: values are never shown)</caption>
                <thead><tr><th scope="col">Name</th><th scope="col">Created</th><th scope="col">Updated</th></tr></thead>
                <tbody>\(rows)</tbody>
                </table>
                """
        }
        let main: HTML = """
            <h1>Secrets</h1>
            <p class="hint">Runs get a secret as an environment variable (<code>secrets:</code> in <code>ame.yaml</code>); logs show it as <code>***</code>. Set and delete secrets with <code>ame secret</code>.</p>
            \(body)
            """
        return DashboardLayout.page(title: "Secrets", session: session, section: .secrets, serverName: serverName, main: main)
    }
}
