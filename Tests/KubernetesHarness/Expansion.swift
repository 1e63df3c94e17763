/// The kubelet's `$(VAR)` expansion of env values, commands and arguments: `$(NAME)` is
/// replaced when NAME is defined, `$$` is a literal `$`, anything else stays as written.
enum Expansion {
    static func expand(_ text: String, _ variables: [String: String]) -> String {
        var result = ""
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            let next = text.index(after: index)
            guard character == "$", next < text.endIndex else {
                result.append(character)
                index = next
                continue
            }
            if text[next] == "$" {
                result.append("$")
                index = text.index(after: next)
            } else if text[next] == "(", let close = text[next...].firstIndex(of: ")") {
                let name = String(text[text.index(after: next)..<close])
                if let value = variables[name] {
                    result += value
                } else {
                    result += String(text[index...close])
                }
                index = text.index(after: close)
            } else {
                result.append(character)
                index = next
            }
        }
        return result
    }
}
