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

    /// "expected …, found `text`": a value of the right kind but out of range.
    func expected(_ what: String) -> ScenarioError {
        fail("expected \(what), found \(kind)")
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
        }
    }
}

/// A mapping being read against one section of `ScenarioSchema`: unknown keys are refused
/// (with a did-you-mean), required ones checked, defaults taken from the table, and every
/// value read is also written to `out`, the canonical form `--explain` prints.
struct Section {
    let field: YAMLField
    let schema: String
    let fields: [String: YAMLField]
    /// The canonical fields read so far.
    var out: [String: Node] = [:]

    /// Reads `field` as section `schema`, allowing only `keys` of it when given.
    init(_ field: YAMLField, _ schema: String, only keys: [String]? = nil) throws(ScenarioError) {
        let all = ScenarioSchema.keys(schema)
        precondition(!all.isEmpty, "no schema section `\(schema)`")
        let required = ScenarioSchema.fields.filter { $0.section == schema && $0.presence == .required }.map(\.key)
        self.field = field
        self.schema = schema
        self.fields = try field.mapping(allowed: keys ?? all, required: required.filter { (keys ?? all).contains($0) })
    }

    subscript(_ key: String) -> YAMLField? { fields[key] }

    /// The field `key`, or its default from the table as a field (nil when optional and absent).
    func valueField(_ key: String) -> YAMLField? {
        if let f = fields[key] { return f }
        guard let spec = ScenarioSchema.field(schema, key) else { preconditionFailure("no schema field \(schema).\(key)") }
        if case .value(let text) = spec.presence {
            let node = (try? Yams.compose(yaml: text)).flatMap { $0 } ?? Node(text)
            return YAMLField(node: node, path: field.path.isEmpty ? key : "\(field.path).\(key)", file: field.file)
        }
        return nil
    }

    /// Reads `key` (or its default) with `read`, recording the text it came from.
    mutating func read<T>(_ key: String, _ read: (YAMLField) throws(ScenarioError) -> T) throws(ScenarioError) -> T? {
        guard let f = valueField(key) else { return nil }
        let v = try read(f)
        out[key] = f.node
        return v
    }

    mutating func quantity(_ key: String, _ parse: (String) throws(UnitError) -> Double) throws(ScenarioError) -> Double? {
        try read(key) { f throws(ScenarioError) in try f.quantity(parse) }
    }

    mutating func int(_ key: String, min: Int = .min) throws(ScenarioError) -> Int? {
        try read(key) { f throws(ScenarioError) in try f.int(min: min) }
    }

    mutating func number(_ key: String) throws(ScenarioError) -> Double? {
        try read(key) { f throws(ScenarioError) in try f.number() }
    }

    mutating func string(_ key: String) throws(ScenarioError) -> String? {
        try read(key) { f throws(ScenarioError) in try f.string() }
    }

    /// A name from `known`, with a did-you-mean.
    mutating func oneOf(_ key: String, _ known: [String], _ what: String) throws(ScenarioError) -> String? {
        try read(key) { f throws(ScenarioError) in try f.oneOf(known, what) }
    }

    /// Records a canonical value computed by the caller (a nested section or list).
    mutating func put(_ key: String, _ node: Node) { out[key] = node }

    /// The canonical mapping, keys in table order.
    var node: Node {
        .mapping(Node.Mapping(ScenarioSchema.keys(schema).compactMap { k in out[k].map { (Node(k), $0) } }))
    }
}

extension YAMLField {
    /// A name from `known`, with a did-you-mean and the list of valid names.
    func oneOf(_ known: [String], _ what: String) throws(ScenarioError) -> String {
        let v = try string()
        guard known.contains(v) else {
            if known.isEmpty { throw fail("unknown \(what) `\(v)` (the scenario defines none)") }
            var m = "unknown \(what) `\(v)`"
            if let near = NameSuggestion.nearest(to: v, in: known) { m += "; did you mean `\(near)`?" }
            throw fail(m + " (expected one of: \(known.joined(separator: ", ")))")
        }
        return v
    }

    func bool() throws(ScenarioError) -> Bool {
        switch try string() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        case let s: throw fail("expected true or false, found `\(s)`")
        }
    }

    /// A probability or fraction in 0…1.
    func fraction() throws(ScenarioError) -> Double {
        let v = try number()
        guard (0...1).contains(v) else { throw fail("expected a number in 0…1, found \(try string())") }
        return v
    }

    /// A list, or a single value read as a one-element list.
    func sequenceOrOne() throws(ScenarioError) -> [YAMLField] {
        if case .scalar = node { return [self] }
        return try sequence()
    }
}

/// A duration (`UnitParser.duration`) that fits simulated time: at most 9·10⁹ s (285 years;
/// time is Int64 nanoseconds).
func boundedDuration(_ text: String) throws(UnitError) -> Double {
    let v = try UnitParser.duration(text)
    guard v <= 9e9 else { throw UnitError(message: "\"\(text)\" is too long: simulated time holds at most 9e9 s (285 years)") }
    return v
}
