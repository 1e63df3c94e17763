import AMEKubernetes

/// The tokens a Kubernetes run's Pods use to fetch its files and upload what they produce:
/// one per step attempt's Secret, acting as the run's owner, reaching only the blob routes
/// and only while the run is active; revoked when the run is cleaned up. Stored hashed,
/// like every token.
struct RunAgentTokens: AgentTokenIssuer {
    let authority: TokenAuthority

    func token(forRun runID: String, owner: String) async throws -> String {
        try authority.createRunToken(runID: runID, owner: owner)
    }

    func revoke(runID: String) async {
        authority.revokeRunTokens(runID: runID)
    }
}
