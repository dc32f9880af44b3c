internal import CHDF5
import Foundation

/// Joins shard files (e.g. one per Slurm array task of a sweep, each holding groups of
/// distinct runs) into one results file.
///
/// Refuses, naming the files: a shard that is not a results file of this schema version,
/// shards written by different Swarmlab versions (`swarmlab_version`) or of different
/// scenarios (`scenario`), a group name in two shards, a run written at a shard's root. Groups
/// are copied through `ResultsReader` and `ResultsWriter` — each attribute read and written
/// again, each table's stored bytes read and written with its type, chunking and filters —
/// not with HDF5's `H5Ocopy`, which in HDF5 1.10 crashes on some corrupt shards (it copies a
/// variable-length attribute without checking its heap reference). Other root tables (a sweep's summary table) are
/// concatenated in shard order when their fields agree. Root attributes come from the first
/// shard, except `wall_time` (the sum), `host` (every host), `created` (now), `merged_from`
/// (the shards) and, when the shards were built from different commits, `merged_commits`
/// (each shard's `git_commit`; also in `Report.warnings`). Written via temporary file + rename.
public enum ResultsMerge {
    /// What was merged.
    public struct Report: Sendable {
        public var groups: [String]
        public var tables: [String]
        /// What was merged but deserves a look: shards built from different commits.
        public var warnings: [String] = []
    }

    public static func merge(into output: String, shards: [String]) throws(ResultsError) -> Report {
        guard !shards.isEmpty else { throw ResultsError("merge: no shard files given") }
        let readers = try shards.map { s throws(ResultsError) -> ResultsReader in
            let r = try ResultsReader(path: s)
            try r.checkSchema()
            return r
        }
        let first = readers[0]
        let version = first.string("swarmlab_version")
        for r in readers.dropFirst() where r.string("swarmlab_version") != version {
            throw ResultsError("\(r.path) was written by Swarmlab \(r.string("swarmlab_version") ?? "(no swarmlab_version)") but \(first.path) by \(version ?? "(no swarmlab_version)"); merge joins shards of one Swarmlab version (re-run the older shards)")
        }
        // Shards of one version built from different commits are joined, each commit listed.
        // (A shard that is itself a merge of several commits contributes its own list.)
        let commitLines = readers.flatMap { r in
            r.string("merged_commits").map { $0.split(separator: "\n").map(String.init) }
                ?? ["\(r.string("git_commit") ?? "unknown"): \(r.path)"]
        }
        let commits = Set(commitLines.map { String($0.prefix { $0 != ":" }) })
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
            case ("created", _), ("merged_from", _), ("merged_commits", _):
                break
            case (_, .int(let x)): try writer.setAttribute(name, x)
            case (_, .double(let x)): try writer.setAttribute(name, x)
            case (_, .string(let x)): try writer.setAttribute(name, x)
            case (_, .strings(let x)): try writer.setAttribute(name, x)
            }
        }
        try writer.setAttribute("created", ISO8601DateFormatter().string(from: Date()))
        try writer.setAttribute("merged_from", shards.joined(separator: "\n"))
        var warnings: [String] = []
        if commits.count > 1 {
            try writer.setAttribute("merged_commits", commitLines.joined(separator: "\n"))
            warnings.append("shards were built from \(commits.count) different commits (kept in the merged_commits attribute):\n  "
                            + commitLines.joined(separator: "\n  "))
        }
        // Groups, copied through the reader's checks.
        for r in readers {
            for (name, kind) in r.children() where kind == .group {
                try writer.copyGroup(name, from: r)
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
        return Report(groups: groups, tables: rootTables, warnings: warnings)
    }
}

extension ResultsWriter {
    /// Copies group `name` of `source` (its attributes, tables and groups, recursively) to the
    /// same path here.
    func copyGroup(_ name: String, from source: ResultsReader, depth: Int = 0) throws(ResultsError) {
        guard depth < 32 else { throw ResultsError("\(source.path): group /\(name) is nested more than 32 deep") }
        try createGroup(name)
        try copyAttributes(of: name, from: source)
        for (child, kind) in source.children(of: name) {
            let path = name + "/" + child
            switch kind {
            case .group: try copyGroup(path, from: source, depth: depth + 1)
            case .table:
                let raw = try source.rawTable(path, stored: true)
                try writeRaw(path, like: source, bytes: raw.bytes, rows: raw.bytes.count / max(raw.rowSize, 1), copy: true)
                try copyAttributes(of: path, from: source)
            case .other: throw ResultsError("\(source.path): /\(path) is neither a group nor a table")
            }
        }
    }

    /// Copies the attributes of object `name` (a group or a table) of `source`, each read and
    /// written again by value.
    func copyAttributes(of name: String, from source: ResultsReader) throws(ResultsError) {
        for attribute in source.attributeNames(on: name) {
            switch source.attribute(attribute, on: name) {
            case .int(let x): try setAttribute(attribute, x, on: name)
            case .double(let x): try setAttribute(attribute, x, on: name)
            case .string(let x): try setAttribute(attribute, x, on: name)
            case .strings(let x): try setAttribute(attribute, x, on: name)
            case nil: throw ResultsError("\(source.path): cannot read attribute \(attribute) of /\(name)")
            }
        }
    }

    /// Writes `rows` rows of raw bytes as table `name`, with the type, chunking, filters and
    /// `units` attribute of the table of that name in `source`.
    /// `copy`: a table copied whole — the source's dataspace too (its maximum extent), and
    /// `bytes` in the stored layout (`rawTable(_:stored: true)`), written without conversion.
    func writeRaw(_ name: String, like source: ResultsReader, bytes: [UInt8], rows: Int, copy: Bool = false) throws(ResultsError) {
        let model = H5Dopen2(source.file, name, 0)
        guard model >= 0 else { throw ResultsError("\(source.path): no table \(name)") }
        defer { H5Dclose(model) }
        let stored = H5Dget_type(model)
        defer { H5Tclose(stored) }
        let native = copy ? H5Tcopy(stored) : H5Tget_native_type(stored, H5T_DIR_ASCEND)
        defer { H5Tclose(native) }
        let properties = H5Dget_create_plist(model)
        defer { H5Pclose(properties) }
        var dims: [hsize_t] = [hsize_t(rows)]
        let space = copy ? H5Dget_space(model) : H5Screate_simple(1, &dims, nil)
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
