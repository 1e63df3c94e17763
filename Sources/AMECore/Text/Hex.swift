/// Lower-case hexadecimal text of bytes. `String(format: "%02x")` goes through Foundation's
/// formatter once per byte, which shows up in a profile of every run (digests are hashed
/// into keys and file names all the time).
public enum Hex {
    public static func encode<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        let table: StaticString = "0123456789abcdef"
        var characters: [UInt8] = []
        characters.reserveCapacity(bytes.underestimatedCount * 2)
        table.withUTF8Buffer { digits in
            for byte in bytes {
                characters.append(digits[Int(byte >> 4)])
                characters.append(digits[Int(byte & 0x0F)])
            }
        }
        return String(decoding: characters, as: UTF8.self)
    }
}
