/// Sign-in with an AME token (what `ame setup` takes). The token goes to the server once;
/// the browser keeps only a session cookie.
enum SignInPage {
    static func render(next: String, csrf: String, error: String?, serverName: String) -> HTML {
        let alert: HTML = error.map { "<p class=\"form-error\" role=\"alert\" id=\"signin-error\">\($0)</p>" } ?? .empty
        let describedBy: HTML = error == nil ? "token-help" : "token-help signin-error"
        let main: HTML = """
            <div class="signin">
            <h1>Sign in to AME</h1>
            \(alert)
            <form method="post" action="/signin" class="stacked">
            <input type="hidden" name="csrf" value="\(csrf)">
            <input type="hidden" name="next" value="\(next)">
            <label for="token">Access token</label>
            <input id="token" name="token" type="password" required autocomplete="current-password" spellcheck="false" aria-describedby="\(describedBy)">
            <p id="token-help" class="hint">The token your AME admin gave you (the one <code>ame setup</code> uses). The browser keeps a session cookie, never the token.</p>
            <button type="submit">Sign in</button>
            </form>
            </div>
            """
        return DashboardLayout.page(title: "Sign in", session: nil, serverName: serverName, main: main)
    }
}
