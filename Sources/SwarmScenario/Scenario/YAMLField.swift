import SwarmModel
import Yams

/// One node of a scenario file with where it came from, and typed readers that throw
/// `ScenarioError`s naming the file, line, column and field path.
struct YAMLField {
    let node: Node
    let path: String
    let file: String

    func fail(_ message: String) -> ScenarioError {
        let mark = node.mark
        return ScenarioError(file: file, line: mark?.line ?? 0, column: mark?.column ?? 0, path: path, message: message)
    }

    func child(_ key: String, _ node: Node) -> YAMLField {
        YAMLField(node: node, path: path.isEmpty ? key : "\(path).\(key)", file: file)
    }

    /// The mapping's fields, checked against the allowed keys (unknown keys are errors, with
    /// a suggestion) and the required ones.
    func mapping(allowed: [String], required: [String] = []) throws(ScenarioError) -> [String: YAMLField] {
        guard case .mapping(let m) = node else { throw fail("expected a mapping (key: value lines), found \(kind)") }
        var fields: [String: YAMLField] = [:]
        for (k, v) in m {
            guard case .scalar(let key) = k else { throw fail("expected text keys") }
            guard allowed.contains(key.string) else {
                let keyField = YAMLField(node: k, path: path.isEmpty ? key.string : "\(path).\(key.string)", file: file)
                var message = "unknown key `\(key.string)`"
                if let near = NameSuggestion.nearest(to: key.string, in: allowed) { message += "; did you mean `\(near)`?" }
                message += " (expected one of: \(allowed.joined(separator: ", ")))"
                throw keyField.fail(message)
            }
            fields[key.string] = child(key.string, v)
        }
        for r in required where fields[r] == nil {
            throw fail("missing `\(r)`")
        }
        return fields
    }

    func sequence() throws(ScenarioError) -> [YAMLField] {
        guard case .sequence(let s) = node else { throw fail("expected a list (lines starting with -), found \(kind)") }
        return s.enumerated().map { YAMLField(node: $1, path: "\(path)[\($0)]", file: file) }
    }

    func string() throws(ScenarioError) -> String {
        guard case .scalar(let s) = node else { throw fail("expected text, found \(kind)") }
        return s.string
    }

    func int(min: Int = .min) throws(ScenarioError) -> Int {
        let text = try string()
        guard let v = Int(text.replacingOccurrences(of: "_", with: "")) else { throw fail("expected a whole number, found `\(text)`") }
        guard v >= min else { throw fail("expected a whole number ≥ \(min), found `\(text)`") }
        return v
    }

    func number() throws(ScenarioError) -> Double {
        let text = try string()
        guard let v = Double(text.replacingOccurrences(of: "_", with: "")), v.isFinite else { throw fail("expected a number, found `\(text)`") }
        return v
    }

    /// A quantity with its unit, parsed by `parse` (a `UnitParser` function).
    func quantity(_ parse: (String) throws(UnitError) -> Double) throws(ScenarioError) -> Double {
        let text = try string()
        do { return try parse(text) } catch { throw fail(error.message) }
    }

    var kind: String {
        switch node {
        case .scalar(let s): return "`\(s.string)`"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        default: return "something else"
        }
    }
}
