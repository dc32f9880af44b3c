import Yams

extension Scenario {
    /// An error at the field `path` of the file (`network.model`, `fleet[1].class`): its line
    /// and column when the file writes that field, else the nearest enclosing field it writes
    /// (a default left out is reported at its section), else the file as a whole. For tools
    /// that refuse a valid scenario for what it asks (`swarmlab validate`), with the same
    /// `file:line:column: path: message` shape as parse errors.
    public func error(at path: String, _ message: String) -> ScenarioError {
        var line = 0, column = 0
        if let root = try? Yams.compose(yaml: text), var steps = DocumentPath.steps(path) {
            while !steps.isEmpty {
                if let node = Self.node(at: steps, in: root), let mark = node.mark { line = mark.line; column = mark.column; break }
                steps.removeLast()
            }
        }
        return ScenarioError(file: file, line: line, column: column, path: path, message: message)
    }

    /// How many entries the file's list at `path` has (0 when it has none or it is not a list).
    public func listCount(at path: String) -> Int {
        guard let root = try? Yams.compose(yaml: text), let steps = DocumentPath.steps(path),
              case .sequence(let s)? = Self.node(at: steps, in: root) else { return 0 }
        return s.count
    }

    /// Whether the file itself writes the field at `path` (a default is not written).
    public func writes(_ path: String) -> Bool {
        guard let root = try? Yams.compose(yaml: text), let steps = DocumentPath.steps(path) else { return false }
        return Self.node(at: steps, in: root) != nil
    }

    static func node(at steps: [DocumentPath.Step], in root: Node) -> Node? {
        var node = root
        for step in steps {
            switch (step, node) {
            case (.key(let k), .mapping(let m)):
                guard let v = m.first(where: { $0.key.string == k })?.value else { return nil }
                node = v
            case (.index(let i), .sequence(let s)):
                guard i < s.count else { return nil }
                node = s[i]
            default:
                return nil
            }
        }
        return node
    }
}
