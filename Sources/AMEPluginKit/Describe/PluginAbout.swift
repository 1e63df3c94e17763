/// What a Swift plugin says about itself beyond its command tree.
public struct PluginAbout: Sendable {
    /// Defaults to the root command's `commandName`.
    public var name: String?
    public var version: String
    public var vendor: String
    /// Defaults to the root command's abstract.
    public var shortDescription: String?
    public var protocolRange: ProtocolRange

    public init(name: String? = nil, version: String, vendor: String, shortDescription: String? = nil,
                protocolRange: ProtocolRange = PluginProtocol.supported) {
        self.name = name
        self.version = version
        self.vendor = vendor
        self.shortDescription = shortDescription
        self.protocolRange = protocolRange
    }
}
