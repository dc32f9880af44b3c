import SwarmModel
import Yams

/// One axis of a sweep: a field of the scenario (a path such as `fleet[0].count`,
/// `workloads[1].requests.rate`, `policies`, `seed`) and the values it takes, each as YAML
/// text (`"100"`, `"2h"`, `"[random, fastest-first]"`).
public struct SweepAxis: Sendable, Equatable {
    public var path: String
    public var values: [String]
    public init(path: String, values: [String]) { self.path = path; self.values = values }
}

/// A path into a scenario document: keys and list indices, `workloads[1].requests.rate`.
enum DocumentPath {
    enum Step: Equatable { case key(String), index(Int) }

    /// The steps of `text`, or nil when it is not a path.
    static func steps(_ text: String) -> [Step]? {
        var steps: [Step] = []
        for segment in text.split(separator: ".", omittingEmptySubsequences: false) {
            var s = Substring(segment)
            guard let bracket = s.firstIndex(of: "[") ?? Optional(s.endIndex) else { return nil }
            let key = s[..<bracket]
            guard !key.isEmpty else { return nil }
            steps.append(.key(String(key)))
            s = s[bracket...]
            while !s.isEmpty {
                guard s.first == "[", let close = s.firstIndex(of: "]"),
                      let i = Int(s[s.index(after: s.startIndex)..<close]), i >= 0 else { return nil }
                steps.append(.index(i))
                s = s[s.index(after: close)...]
            }
        }
        return steps.isEmpty ? nil : steps
    }

    /// Why `steps` does not lead to a node of `root`, or nil when it does.
    /// A last key missing from its mapping is fine when it is a field of the schema: the
    /// substitution adds it (and re-parsing checks it belongs there).
    static func problem(_ steps: [Step], in root: Node) -> String? {
        var node = root
        var walked = ""
        for (i, step) in steps.enumerated() {
            switch (step, node) {
            case (.key(let k), .mapping(let m)):
                let keys: [String] = m.map { $0.key.string ?? "" }
                guard let v = m.first(where: { $0.key.string == k })?.value else {
                    if i == steps.count - 1 && ScenarioSchema.fields.contains(where: { $0.key == k }) { return nil }
                    var msg = "no field `\(k)`\(walked.isEmpty ? " at the top" : " in `\(walked)`")"
                    if let near = NameSuggestion.nearest(to: k, in: keys) { msg += "; did you mean `\(near)`?" }
                    return msg + " (it has: \(keys.joined(separator: ", ")))"
                }
                node = v
                walked += walked.isEmpty ? k : ".\(k)"
            case (.index(let i), .sequence(let s)):
                guard i < s.count else { return "`\(walked)` has \(s.count) entries; index \(i) is out of range" }
                node = s[i]
                walked += "[\(i)]"
            case (.key(let k), _):
                return "`\(walked)` is not a mapping, so it has no field `\(k)`"
            case (.index(let i), _):
                return "`\(walked)` is not a list, so it has no entry [\(i)]"
            }
        }
        return nil
    }

    /// `root` with the node at `steps` replaced by `value` (the path must exist).
    static func replacing(_ steps: ArraySlice<Step>, in root: Node, with value: Node) -> Node {
        guard let step = steps.first else { return value }
        switch (step, root) {
        case (.key(let k), .mapping(var m)):
            if let i = m.firstIndex(where: { $0.key.string == k }) {
                m[i] = (m[i].key, replacing(steps.dropFirst(), in: m[i].value, with: value))
                return .mapping(m)
            }
            return .mapping(Node.Mapping(Array(m) + [(Node(k), value)], m.tag, m.style, m.mark))
        case (.index(let i), .sequence(var s)):
            s[i] = replacing(steps.dropFirst(), in: s[i], with: value)
            return .sequence(s)
        default:
            return root
        }
    }

    /// `root` (a mapping) without the top-level `key`.
    static func removing(_ key: String, from root: Node) -> Node {
        guard case .mapping(let m) = root else { return root }
        return .mapping(Node.Mapping(m.filter { $0.key.string != key }, m.tag, m.style, m.mark))
    }

    /// A node as YAML text: plain scalars as they are written, anything else in flow style.
    static func text(_ node: Node) -> String {
        if case .scalar(let s) = node, s.style == .plain || s.style == .any { return s.string }
        let t = (try? Yams.serialize(node: flow(node))) ?? ""
        return t.hasSuffix("\n") ? String(t.dropLast()) : t
    }

    /// `node` with every collection in flow style (`[a, b]`, `{k: v}`).
    static func flow(_ node: Node) -> Node {
        switch node {
        case .mapping(let m): return .mapping(Node.Mapping(m.map { (flow($0.key), flow($0.value)) }, m.tag, .flow))
        case .sequence(let s): return .sequence(Node.Sequence(s.map(flow), s.tag, .flow))
        default: return node
        }
    }
}

extension Scenario {
    /// Reads `replications` and `sweep`: each axis's path must exist in the document, and
    /// each of its values must give a valid scenario when substituted alone.
    static func sweepAxes(_ field: YAMLField?, root: Node) throws(ScenarioError) -> [SweepAxis] {
        guard let field else { return [] }
        guard case .mapping(let m) = field.node else {
            throw field.fail("expected a mapping from field paths to lists of values, found \(field.kind)")
        }
        var axes: [SweepAxis] = []
        for (k, v) in m {
            let path = k.string ?? ""
            let keyField = field.child(path, k)
            guard let steps = DocumentPath.steps(path) else {
                throw keyField.fail("`\(path)` is not a field path; expected keys and indices such as `fleet[0].count` or `workloads[1].requests.rate`")
            }
            guard steps.first != .key("sweep") && steps.first != .key("version") else {
                throw keyField.fail("`\(steps.first!)` cannot be swept")
            }
            if let problem = DocumentPath.problem(steps, in: root) { throw keyField.fail("unknown field path: \(problem)") }
            let values = try field.child(path, v).sequence()
            guard !values.isEmpty else { throw field.child(path, v).fail("expected a non-empty list of values") }
            axes.append(SweepAxis(path: path, values: values.map { DocumentPath.text($0.node) }))
        }
        return axes
    }

    /// This scenario with the fields at the given paths set to the given values (YAML text),
    /// parsed again. The result's `text` is the substituted document without its `sweep`,
    /// so a run's provenance is a complete scenario on its own.
    public func with(_ overrides: [(path: String, value: String)]) throws(ScenarioError) -> Scenario {
        let text = try substituted(overrides)
        let label = overrides.map { "\($0.path)=\($0.value)" }.joined(separator: ", ")
        do {
            return try Scenario.parse(text: text, file: file, declarations: knownPolicies, allowedPaths: allowedPaths)
        } catch {
            // Lines of the substituted document are not the file's: name the field only.
            var e = error
            e.line = 0; e.column = 0
            e.message += " (with \(label))"
            throw e
        }
    }

    /// The value fields of one sweep axis (for messages).
    static func sweepValueFields(_ sweep: YAMLField, _ path: String) -> [YAMLField] {
        guard case .mapping(let m) = sweep.node, let v = m.first(where: { $0.key.string == path })?.value,
              let values = try? sweep.child(path, v).sequence() else { return [] }
        return values
    }

    /// The document's text with the overrides applied and without `sweep`.
    func substituted(_ overrides: [(path: String, value: String)]) throws(ScenarioError) -> String {
        guard let document = try? Yams.compose(yaml: text) else {
            throw ScenarioError(file: file, line: 0, column: 0, path: "", message: "the scenario's own text no longer parses")
        }
        var root = DocumentPath.removing("sweep", from: document)
        for (path, value) in overrides {
            let here = ScenarioError(file: file, line: 0, column: 0, path: path, message: "")
            guard let steps = DocumentPath.steps(path) else {
                var e = here; e.message = "`\(path)` is not a field path"; throw e
            }
            if let problem = DocumentPath.problem(steps, in: root) {
                var e = here; e.message = "unknown field path: \(problem)"; throw e
            }
            let node: Node
            do {
                guard let n = try Yams.compose(yaml: value) else {
                    var e = here; e.message = "empty value"; throw e
                }
                node = n
            } catch let e as ScenarioError {
                throw e
            } catch {
                var e = here; e.message = "the value `\(value)` is not YAML: \(error)"; throw e
            }
            root = DocumentPath.replacing(steps[...], in: root, with: node)
        }
        let text: String
        do { text = try Yams.serialize(node: root) } catch {
            throw ScenarioError(file: file, line: 0, column: 0, path: "", message: "cannot write the substituted scenario: \(error)")
        }
        return text
    }
}
