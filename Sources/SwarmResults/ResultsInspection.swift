import Foundation

/// What a results file holds, for `swarmlab inspect`: root attributes, groups, tables with
/// their row counts and fields, and each run's summary. Checks the schema version first.
public struct ResultsInspection: Encodable, Sendable {
    public struct Attribute: Encodable, Sendable { public var name: String; public var value: ResultsValue }
    public struct Table: Encodable, Sendable { public var name: String; public var rows: Int; public var fields: [String] }
    public struct Metric: Encodable, Sendable { public var name: String; public var value: Double?; public var unit: String }
    public struct Group: Encodable, Sendable {
        /// "/" for tables at the root, else the group's name.
        public var name: String
        public var attributes: [Attribute]
        public var tables: [Table]
        /// The run's `/summary` row (empty when the group has none).
        public var summary: [Metric]
    }

    public var path: String
    public var attributes: [Attribute]
    public var groups: [Group]

    /// Reads `path`; throws a clear error if it is not a Swarmlab results file of this
    /// schema version.
    public init(path: String) throws(ResultsError) {
        let r = try ResultsReader(path: path)
        try r.checkSchema()
        self.path = path
        attributes = r.attributeNames().compactMap { n in r.attribute(n).map { Attribute(name: n, value: $0) } }
        groups = []
        let top = r.children()
        if top.contains(where: { $0.kind == .table }) { groups.append(try Self.group(r, "/")) }
        for (name, kind) in top where kind == .group { groups.append(try Self.group(r, name)) }
    }

    static func group(_ r: ResultsReader, _ name: String) throws(ResultsError) -> Group {
        let prefix = name == "/" ? "" : name + "/"
        var tables: [Table] = []
        for (child, kind) in r.children(of: name) where kind == .table {
            let shape = try r.tableShape(prefix + child)
            tables.append(Table(name: child, rows: shape.rows, fields: shape.fields))
        }
        var summary: [Metric] = []
        if tables.contains(where: { $0.name == "summary" }) {
            let units = Dictionary(ResultsSchema.summary.columns.map { ($0.name, $0.unit) }, uniquingKeysWith: { a, _ in a })
            for field in try r.tableShape(prefix + "summary").fields {
                let v = try r.column(prefix + "summary", field).first
                summary.append(Metric(name: field, value: v.flatMap { $0.isNaN ? nil : $0 }, unit: units[field] ?? ""))
            }
        }
        let attributes = r.attributeNames(on: name).compactMap { n in r.attribute(n, on: name).map { Attribute(name: n, value: $0) } }
        return Group(name: name, attributes: attributes, tables: tables, summary: summary)
    }

    /// A readable report: long attributes (the scenario text) shortened to their first line.
    public var text: String {
        var out = "\(path): Swarmlab results, schema version \(ResultsSchema.version)\n"
        func short(_ v: ResultsValue) -> String {
            let s = v.description
            let lines = s.split(separator: "\n", omittingEmptySubsequences: false)
            return lines.count > 1 ? "\(lines[0]) … (\(lines.count) lines)" : s
        }
        let width = attributes.map(\.name.count).max() ?? 0
        for a in attributes { out += "  \(a.name.padding(toLength: width, withPad: " ", startingAt: 0))  \(short(a.value))\n" }
        for g in groups {
            out += "\n\(g.name == "/" ? "/ (root)" : "/" + g.name)\n"
            for a in g.attributes { out += "  @\(a.name) = \(short(a.value))\n" }
            for t in g.tables { out += "  \(t.name.padding(toLength: 10, withPad: " ", startingAt: 0)) \(t.rows) rows × \(t.fields.count) fields\n" }
            if !g.summary.isEmpty {
                out += "  summary:\n"
                for m in g.summary {
                    let v = m.value.map { abs($0) >= 1e6 || (abs($0) < 1e-3 && $0 != 0) ? String(format: "%.4g", $0) : String(format: "%.6g", $0) } ?? "—"
                    out += "    \(m.name.padding(toLength: 20, withPad: " ", startingAt: 0)) \(v)\(m.unit == "1" || m.unit.isEmpty ? "" : " " + m.unit)\n"
                }
            }
        }
        return out
    }

    /// The report as JSON (NaN as null).
    public func json() -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        return (try? String(decoding: e.encode(self), as: UTF8.self)) ?? "{}"
    }
}
