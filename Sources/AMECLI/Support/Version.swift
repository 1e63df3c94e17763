public enum AMEVersion {
    public static let current = "0.1.0"
}
