import Foundation

/// Machine-readable output for `--json`: stable key order, ISO dates, one document.
public enum JSONOutput {
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }

    public static func write(_ value: some Encodable, to terminal: any Terminal) throws {
        var data = try encoder().encode(value)
        data.append(0x0A)
        terminal.write(data, to: .stdout)
    }
}
