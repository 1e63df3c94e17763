/// What installs a `requirements.txt` project's packages (and the tools AME installs for
/// itself): `uv pip install` unless `ame.yaml` says `installer: pip`. Either gives the same
/// versions for a pinned file; uv is much faster and shares one package cache per user.
public enum PackageInstaller: String, Hashable, Sendable, Codable, CaseIterable {
    case uv
    case pip
}
