import AMECore
import Foundation
import Testing

@Suite("Quantity")
struct QuantityTests {
    static let mebibyte: Decimal = 1_048_576
    static let gibibyte: Decimal = 1_073_741_824

    @Test("parses the Kubernetes forms", arguments: [
        ("2", Decimal(2)),
        ("500m", Decimal(string: "0.5")!),
        ("1.5", Decimal(string: "1.5")!),
        ("8Gi", 8 * gibibyte),
        ("512M", Decimal(512_000_000)),
        ("1e3", Decimal(1000)),
        ("1E-2", Decimal(string: "0.01")!),
        ("256Mi", 256 * mebibyte),
        ("1Ki", Decimal(1024)),
        ("2Ti", 2 * 1024 * gibibyte),
        ("3k", Decimal(3000)),
        ("+4", Decimal(4)),
        (" 8Gi ", 8 * gibibyte),
        (".5", Decimal(string: "0.5")!),
    ])
    func parses(text: String, value: Decimal) throws {
        let quantity = try Quantity(parsing: text)
        #expect(quantity.value == value)
        #expect(quantity.text == text.trimmingCharacters(in: .whitespaces))
        #expect(quantity.description == quantity.text)
    }

    @Test func cpuInMillicores() throws {
        #expect(try Quantity(parsing: "2").millis == 2000)
        #expect(try Quantity(parsing: "500m").millis == 500)
        #expect(try Quantity(parsing: "1.5").millis == 1500)
        #expect(try Quantity(parsing: "0.0001").millis == 1) // rounded up
    }

    @Test func bytesAreWholeAndRoundedUp() throws {
        let expected: Int64 = 8 * 1_073_741_824
        #expect(try Quantity(parsing: "8Gi").wholeUnits == expected)
        #expect(try Quantity(parsing: "512M").wholeUnits == 512_000_000)
        #expect(try Quantity(parsing: "1.5").wholeUnits == 2)
        #expect(try Quantity(parsing: "100Ei").wholeUnits == Int64.max) // clamped, not trapped
    }

    @Test("rejects what is not a quantity", arguments: [
        ("", Quantity.ParseError.empty),
        ("   ", .empty),
        ("abc", .malformedNumber("abc")),
        ("-", .malformedNumber("-")),
        ("Gi", .malformedNumber("Gi")),
        ("8Gb", .unknownSuffix("Gb")),
        ("8 Gi", .unknownSuffix(" Gi")),
        ("1.2.3", .unknownSuffix(".3")),
        ("1e99", .unknownSuffix("e99")),
    ])
    func rejects(text: String, error: Quantity.ParseError) {
        #expect(throws: error) { try Quantity(parsing: text) }
    }

    @Test func errorDescriptions() {
        #expect(Quantity.ParseError.empty.description == "empty quantity")
        #expect(Quantity.ParseError.malformedNumber("x").description == "'x' is not a number")
        #expect(Quantity.ParseError.unknownSuffix("Gb").description == "unknown unit 'Gb'")
    }

    @Test("scaledBytes multiplies and rounds up to whole MiB")
    func scaledBytes() throws {
        let doubled = try Quantity(parsing: "256Mi").scaledBytes(by: 2)
        #expect(doubled.text == "512Mi")
        #expect(doubled.value == 512 * Self.mebibyte)
        #expect(doubled == (try Quantity(parsing: "512Mi")))
        #expect(try Quantity(parsing: "1Gi").scaledBytes(by: 1.5).text == "1536Mi")
        #expect(try Quantity(parsing: "8Gi").scaledBytes(by: 2).text == "16Gi")
        #expect(try Quantity(parsing: "1000").scaledBytes(by: 1.5).text == "1500")
        // 1.2 MiB becomes 2 MiB: rounded up, never down.
        #expect(try Quantity(parsing: "1Mi").scaledBytes(by: 1.2).text == "2Mi")
    }

    @Test func constructors() {
        #expect(Quantity.bytes(536_870_912).text == "512Mi")
        #expect(Quantity.bytes(1_073_741_824).text == "1Gi")
        #expect(Quantity.bytes(1000).text == "1000")
        #expect(Quantity.bytes(0).text == "0")
        #expect(Quantity.millicores(1500).text == "1500m")
        #expect(Quantity.millicores(2000).text == "2")
        #expect(Quantity.millicores(1500).value == Decimal(string: "1.5")!)
    }

    @Test func comparesByValue() throws {
        #expect(try Quantity(parsing: "1Gi") > Quantity(parsing: "1G"))
        #expect(try Quantity(parsing: "500m") < Quantity(parsing: "1"))
        #expect(try Quantity(parsing: "1024Mi").value == Quantity(parsing: "1Gi").value)
        #expect(try Quantity(parsing: "-1").isNegative)
        #expect(try Quantity(parsing: "0").isZero)
    }

    @Test func codableKeepsTheText() throws {
        let decoded = try JSONDecoder().decode([Quantity].self, from: Data(#"["8Gi", 2, "500m"]"#.utf8))
        #expect(decoded.map(\.text) == ["8Gi", "2", "500m"])
        let encoded = try String(decoding: JSONEncoder().encode(decoded), as: UTF8.self)
        #expect(encoded == #"["8Gi","2","500m"]"#)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([Quantity].self, from: Data(#"["8Gb"]"#.utf8)) }
    }

    @Test("QuantityField words problems the same for ame.yaml and flags", arguments: [
        ("8Gb", true, "has an unknown unit 'Gb' in '8Gb'", "did you mean '8Gi'?"),
        ("512m", true, "is '512m', which means thousandths of a byte", "did you mean '512Mi' or '512M'?"),
        ("8", true, "is 8, which is less than 1 MiB", "add a unit, such as '8Gi' or '8Mi'"),
        ("-2", false, "must be more than zero, not -2", nil),
        ("0", false, "must be more than zero, not 0", nil),
        ("", false, "is empty", "write a quantity such as 2 or 500m"),
        ("two", false, "is not a quantity: 'two'", "write a number with an optional unit, such as 2 or 500m"),
        ("8Qi", true, "has an unknown unit 'Qi' in '8Qi'", "did you mean '8Ki'?"),
    ] as [(String, Bool, String, String?)])
    func fieldProblems(text: String, isBytes: Bool, message: String, hint: String?) {
        do {
            _ = try QuantityField.parse(text, isBytes: isBytes)
            Issue.record("'\(text)' was accepted")
        } catch {
            #expect(error.message == message)
            #expect(error.hint == hint)
        }
    }

    @Test func fieldAcceptsSensibleValues() throws {
        #expect(try QuantityField.parse("8Gi", isBytes: true).text == "8Gi")
        #expect(try QuantityField.parse("1Mi", isBytes: true).wholeUnits == 1_048_576)
        #expect(try QuantityField.parse("500m", isBytes: false).millis == 500)
        #expect(try QuantityField.parse("1e3", isBytes: false).millis == 1_000_000)
    }
}
