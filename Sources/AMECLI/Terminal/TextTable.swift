/// Left-aligned columns for terminal listings; widths ignore ANSI colour codes.
public struct TextTable {
    public var header: [String]
    public var rows: [[String]]
    public var style: Style

    public init(header: [String], rows: [[String]], style: Style) {
        self.header = header
        self.rows = rows
        self.style = style
    }

    static func visibleWidth(_ text: String) -> Int {
        var width = 0
        var inEscape = false
        for scalar in text.unicodeScalars {
            if inEscape {
                if scalar == "m" { inEscape = false }
            } else if scalar == "\u{1B}" {
                inEscape = true
            } else {
                width += 1
            }
        }
        return width
    }

    public func render() -> String {
        let columns = max(header.count, rows.map(\.count).max() ?? 0)
        var widths = [Int](repeating: 0, count: columns)
        for row in [header] + rows {
            for (index, cell) in row.enumerated() { widths[index] = max(widths[index], Self.visibleWidth(cell)) }
        }
        func line(_ cells: [String]) -> String {
            var text = ""
            for (index, cell) in cells.enumerated() {
                let isLast = index == cells.count - 1
                text += cell
                if !isLast { text += String(repeating: " ", count: widths[index] - Self.visibleWidth(cell) + 2) }
            }
            while text.hasSuffix(" ") { text.removeLast() }
            return text + "\n"
        }
        return line(header.map { style.dim($0) }) + rows.map(line).joined()
    }
}
