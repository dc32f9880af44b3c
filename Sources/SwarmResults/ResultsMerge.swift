internal import CHDF5
import Foundation

/// Joins shard files (e.g. one per Slurm array task of a sweep, each holding groups of
/// distinct runs) into one results file.
///
/// Refuses, naming the files: a shard that is not a results file of this schema version,
/// shards of different scenarios (`scenario` attribute), a group name in two shards, a run
/// written at a shard's root. Groups are copied whole (HDF5 `H5Ocopy`); other root tables
/// (a sweep's summary table) are concatenated in shard order when their fields agree. Root
/// attributes come from the first shard, except `wall_time` (the sum), `host` (every host),
/// `created` (now) and `merged_from` (the shards). Written via temporary file + rename.
public enum ResultsMerge {
    /// What was merged.
    public struct Report: Sendable {
        public var groups: [String]
        public var tables: [String]
    }

    public static func merge(into output: String, shards: [String]) throws(ResultsError) -> Report {
        guard !shards.isEmpty else { throw ResultsError("merge: no shard files given") }
        let readers = try shards.map { s throws(ResultsError) -> ResultsReader in
            let r = try ResultsReader(path: s)
            try r.checkSchema()
            return r
        }
        let first = readers[0]
        let scenario = first.string("scenario")
        for r in readers.dropFirst() where r.string("scenario") != scenario {
            throw ResultsError("\(r.path) ran a different scenario than \(first.path) (their `scenario` attributes differ); merge joins shards of one scenario or sweep")
        }
        let runTables = Set(ResultsSchema.runTables.map(\.name))
        var owner: [String: String] = [:]
        var groups: [String] = []
        var rootTables: [String] = []
        for r in readers {
            for (name, kind) in r.children() {
                switch kind {
                case .group:
                    if let other = owner[name] {
                        throw ResultsError("group '\(name)' is in both \(other) and \(r.path); shards must hold distinct runs")
                    }
                    owner[name] = r.path
                    groups.append(name)
                case .table:
                    if runTables.contains(name) {
                        throw ResultsError("\(r.path) has a run at its root (/\(name)); merge joins files that hold one group per run")
                    }
                    if !rootTables.contains(name) { rootTables.append(name) }
                case .other:
                    throw ResultsError("\(r.path): /\(name) is neither a group nor a table")
                }
            }
        }
        let writer = try ResultsWriter(path: output)
        // Root attributes.
        for name in first.attributeNames() where name != "schema_version" {
            guard let v = first.attribute(name) else { continue }
            switch (name, v) {
            case ("wall_time", _):
                try writer.setAttribute(name, readers.reduce(0.0) { $0 + ($1.number("wall_time") ?? 0) })
            case ("host", _):
                var hosts: [String] = []
                for r in readers {
                    for h in (r.string("host") ?? "").split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !hosts.contains(h) { hosts.append(h) }
                }
                try writer.setAttribute(name, hosts.joined(separator: ", "))
            case ("created", _), ("merged_from", _):
                break
            case (_, .int(let x)): try writer.setAttribute(name, x)
            case (_, .double(let x)): try writer.setAttribute(name, x)
            case (_, .string(let x)): try writer.setAttribute(name, x)
            case (_, .strings(let x)): try writer.setAttribute(name, x)
            }
        }
        try writer.setAttribute("created", ISO8601DateFormatter().string(from: Date()))
        try writer.setAttribute("merged_from", shards.joined(separator: "\n"))
        // Groups, copied whole.
        for r in readers {
            for (name, kind) in r.children() where kind == .group {
                guard H5Ocopy(r.file, name, writer.file, name, 0, 0) >= 0 else {
                    throw ResultsError("cannot copy group \(name) from \(r.path) into \(output)")
                }
            }
        }
        // Other root tables, concatenated.
        for name in rootTables {
            var fields: [String]? = nil
            var bytes: [UInt8] = []
            var rows = 0
            var source: ResultsReader? = nil
            for r in readers where r.children().contains(where: { $0.name == name && $0.kind == .table }) {
                let shape = try r.tableShape(name)
                if let f = fields, f != shape.fields {
                    throw ResultsError("table /\(name) has fields \(shape.fields) in \(r.path) but \(f) in \(source!.path); cannot join them")
                }
                let raw = try r.rawTable(name)
                if fields == nil { fields = shape.fields; source = r }
                bytes += raw.bytes
                rows += shape.rows
            }
            try writer.writeRaw(name, like: source!, bytes: bytes, rows: rows)
        }
        try writer.commit()
        return Report(groups: groups, tables: rootTables)
    }
}

extension ResultsWriter {
    /// Writes `rows` rows of raw bytes as table `name`, with the type, chunking, filters and
    /// `units` attribute of the table of that name in `source`.
    func writeRaw(_ name: String, like source: ResultsReader, bytes: [UInt8], rows: Int) throws(ResultsError) {
        let model = H5Dopen2(source.file, name, 0)
        guard model >= 0 else { throw ResultsError("\(source.path): no table \(name)") }
        defer { H5Dclose(model) }
        let stored = H5Dget_type(model)
        defer { H5Tclose(stored) }
        let native = H5Tget_native_type(stored, H5T_DIR_ASCEND)
        defer { H5Tclose(native) }
        let properties = H5Dget_create_plist(model)
        defer { H5Pclose(properties) }
        var dims: [hsize_t] = [hsize_t(rows)]
        let space = H5Screate_simple(1, &dims, nil)
        defer { H5Sclose(space) }
        let dataset = H5Dcreate2(file, name, stored, space, 0, properties, 0)
        guard dataset >= 0 else { throw ResultsError("cannot create table \(name) in \(path)") }
        defer { H5Dclose(dataset) }
        guard H5Dwrite(dataset, native, swarm_h5s_all(), swarm_h5s_all(), 0, bytes) >= 0 else {
            throw ResultsError("cannot write table \(name) in \(path)")
        }
        if case .string(let units) = source.attribute("units", on: name) {
            try stringAttribute(on: dataset, "units", [units], scalar: true)
        }
    }
}
