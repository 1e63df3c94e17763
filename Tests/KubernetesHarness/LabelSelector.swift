/// An equality-based label selector (`a=b,c!=d,e`), as `labelSelector=` takes it.
struct LabelSelector: Sendable {
    enum Requirement: Sendable {
        case equals(String, String)
        case notEquals(String, String)
        case exists(String)
        case notExists(String)
    }

    var requirements: [Requirement] = []

    init?(_ text: String?) {
        guard let text, !text.isEmpty else { return }
        for part in text.split(separator: ",") {
            let term = part.trimmingCharacters(in: .whitespaces)
            if let range = term.range(of: "!=") {
                requirements.append(.notEquals(String(term[..<range.lowerBound]), String(term[range.upperBound...])))
            } else if let range = term.range(of: "==") {
                requirements.append(.equals(String(term[..<range.lowerBound]), String(term[range.upperBound...])))
            } else if let range = term.range(of: "=") {
                requirements.append(.equals(String(term[..<range.lowerBound]), String(term[range.upperBound...])))
            } else if term.hasPrefix("!") {
                requirements.append(.notExists(String(term.dropFirst())))
            } else if term.allSatisfy({ $0.isLetter || $0.isNumber || "-_./".contains($0) }) {
                requirements.append(.exists(term))
            } else {
                return nil
            }
        }
    }

    func matches(_ labels: [String: String]) -> Bool {
        requirements.allSatisfy { requirement in
            switch requirement {
            case .equals(let key, let value): labels[key] == value
            case .notEquals(let key, let value): labels[key] != value
            case .exists(let key): labels[key] != nil
            case .notExists(let key): labels[key] == nil
            }
        }
    }

    func matches(_ object: JSON) -> Bool {
        let labels = (object["metadata"]["labels"].object ?? [:]).compactMapValues(\.string)
        return matches(labels)
    }
}
