internal import CHDF5
import Foundation
import SwarmKernel
import SwarmModel

/// What went wrong writing or reading a results file.
public struct ResultsError: Error, CustomStringConvertible, Equatable {
    public var description: String
    init(_ description: String) { self.description = description }
}

/// One column of a results table: a name, values, and their unit ("s", "J", "bytes", "1").
public enum ResultsColumn {
    case int64(String, [Int64], units: String)
    case uint32(String, [UInt32], units: String)
    case double(String, [Double], units: String)

    var name: String {
        switch self { case .int64(let n, _, _), .uint32(let n, _, _), .double(let n, _, _): return n }
    }
    var units: String {
        switch self { case .int64(_, _, let u), .uint32(_, _, let u), .double(_, _, let u): return u }
    }
    var count: Int {
        switch self { case .int64(_, let v, _): return v.count; case .uint32(_, let v, _): return v.count; case .double(_, let v, _): return v.count }
    }
    var size: Int {
        switch self { case .int64, .double: return 8; case .uint32: return 4 }
    }
    var nativeType: hid_t {
        switch self { case .int64: return swarm_h5t_native_int64(); case .uint32: return swarm_h5t_native_uint32(); case .double: return swarm_h5t_native_double() }
    }
}

/// A results file being written: HDF5, into a temporary file beside `path` that `commit`
/// renames into place — a run killed halfway never leaves a truncated file that looks
/// complete. Tables are chunked, deflate-compressed compound datasets (one field per column,
/// snake_case names), each with a `units` attribute listing `field: unit` pairs.
///
/// (A first piece of issue [4]'s schema: root attributes, `/tasks`, `/devices`, `/summary`;
/// `docs/results-schema.md` is the reference.)
public final class ResultsWriter {
    public static let schemaVersion: Int64 = 1
    public let path: String
    let temporary: String
    var file: hid_t
    var committed = false

    /// Starts a results file that will appear at `path` on `commit()`.
    public init(path: String) throws(ResultsError) {
        self.path = path
        temporary = path + ".tmp-\(getpid())"
        file = H5Fcreate(temporary, swarm_h5f_acc_trunc(), 0, 0)
        guard file >= 0 else { throw ResultsError("cannot create \(temporary) (is the folder writable?)") }
        try setAttribute("schema_version", ResultsWriter.schemaVersion)
    }

    deinit {
        if !committed {
            H5Fclose(file)
            unlink(temporary)
        }
    }

    /// A string attribute on the root group (scenario text, version, host, …).
    public func setAttribute(_ name: String, _ value: String) throws(ResultsError) {
        let type = H5Tcopy(swarm_h5t_c_s1())
        defer { H5Tclose(type) }
        H5Tset_size(type, max(1, value.utf8.count))
        let space = H5Screate(H5S_SCALAR)
        defer { H5Sclose(space) }
        let attribute = H5Acreate2(file, name, type, space, 0, 0)
        guard attribute >= 0 else { throw ResultsError("cannot create attribute \(name)") }
        defer { H5Aclose(attribute) }
        var bytes = Array(value.utf8)
        if bytes.isEmpty { bytes = [0] }
        guard H5Awrite(attribute, type, bytes) >= 0 else { throw ResultsError("cannot write attribute \(name)") }
    }

    /// An integer attribute on the root group (seed, schema version, …).
    public func setAttribute(_ name: String, _ value: Int64) throws(ResultsError) {
        try scalarAttribute(on: file, name, swarm_h5t_native_int64(), value)
    }

    /// A floating-point attribute on the root group (wall time, …).
    public func setAttribute(_ name: String, _ value: Double) throws(ResultsError) {
        try scalarAttribute(on: file, name, swarm_h5t_native_double(), value)
    }

    func scalarAttribute<T>(on object: hid_t, _ name: String, _ type: hid_t, _ value: T) throws(ResultsError) {
        let space = H5Screate(H5S_SCALAR)
        defer { H5Sclose(space) }
        let attribute = H5Acreate2(object, name, type, space, 0, 0)
        guard attribute >= 0 else { throw ResultsError("cannot create attribute \(name)") }
        defer { H5Aclose(attribute) }
        var v = value
        guard H5Awrite(attribute, type, &v) >= 0 else { throw ResultsError("cannot write attribute \(name)") }
    }

    /// Writes a table `/name` from columns of equal length.
    public func writeTable(_ name: String, _ columns: [ResultsColumn]) throws(ResultsError) {
        precondition(!columns.isEmpty, "a table needs at least one column")
        let rows = columns[0].count
        precondition(columns.allSatisfy { $0.count == rows }, "table \(name): columns of different lengths")
        var offsets: [Int] = []
        var rowSize = 0
        for c in columns { offsets.append(rowSize); rowSize += c.size }
        let type = H5Tcreate(H5T_COMPOUND, rowSize)
        defer { H5Tclose(type) }
        for (c, offset) in zip(columns, offsets) { H5Tinsert(type, c.name, offset, c.nativeType) }
        var buffer = [UInt8](repeating: 0, count: max(1, rows * rowSize))
        buffer.withUnsafeMutableBytes { raw in
            for (c, offset) in zip(columns, offsets) {
                for r in 0..<rows {
                    let at = r * rowSize + offset
                    switch c {
                    case .int64(_, let v, _): raw.storeBytes(of: v[r], toByteOffset: at, as: Int64.self)
                    case .uint32(_, let v, _): raw.storeBytes(of: v[r], toByteOffset: at, as: UInt32.self)
                    case .double(_, let v, _): raw.storeBytes(of: v[r], toByteOffset: at, as: Double.self)
                    }
                }
            }
        }
        var dims: [hsize_t] = [hsize_t(rows)]
        let space = H5Screate_simple(1, &dims, nil)
        defer { H5Sclose(space) }
        let properties = H5Pcreate(swarm_h5p_dataset_create())
        defer { H5Pclose(properties) }
        if rows > 0 {
            var chunk: [hsize_t] = [hsize_t(min(rows, 65_536))]
            H5Pset_chunk(properties, 1, &chunk)
            H5Pset_deflate(properties, 4)
        }
        let dataset = H5Dcreate2(file, name, type, space, 0, properties, 0)
        guard dataset >= 0 else { throw ResultsError("cannot create table \(name)") }
        defer { H5Dclose(dataset) }
        guard H5Dwrite(dataset, type, swarm_h5s_all(), swarm_h5s_all(), 0, buffer) >= 0 else {
            throw ResultsError("cannot write table \(name)")
        }
        let units = columns.map { "\($0.name): \($0.units)" }.joined(separator: "; ")
        let stringType = H5Tcopy(swarm_h5t_c_s1())
        defer { H5Tclose(stringType) }
        H5Tset_size(stringType, units.utf8.count)
        let scalar = H5Screate(H5S_SCALAR)
        defer { H5Sclose(scalar) }
        let attribute = H5Acreate2(dataset, "units", stringType, scalar, 0, 0)
        defer { H5Aclose(attribute) }
        H5Awrite(attribute, stringType, Array(units.utf8))
    }

    /// Creates group `/name` (e.g. one per policy of a comparison).
    public func createGroup(_ name: String) throws(ResultsError) {
        let g = H5Gcreate2(file, name, 0, 0, 0)
        guard g >= 0 else { throw ResultsError("cannot create group \(name)") }
        H5Gclose(g)
    }

    /// Closes the file and renames it into place (atomically, on one file system).
    public func commit() throws(ResultsError) {
        guard !committed else { return }
        H5Fclose(file)
        committed = true
        guard rename(temporary, path) == 0 else {
            unlink(temporary)
            throw ResultsError("cannot move \(temporary) to \(path): \(String(cString: strerror(errno)))")
        }
    }
}

/// Reads what `ResultsWriter` wrote (tests, `swarmlab inspect`).
public final class ResultsReader {
    let file: hid_t

    public init(path: String) throws(ResultsError) {
        file = H5Fopen(path, swarm_h5f_acc_rdonly(), 0)
        guard file >= 0 else { throw ResultsError("cannot open \(path) as HDF5") }
    }

    deinit { H5Fclose(file) }

    /// A numeric root attribute, as a double.
    public func number(_ name: String) -> Double? {
        let attribute = H5Aopen(file, name, 0)
        guard attribute >= 0 else { return nil }
        defer { H5Aclose(attribute) }
        var v = 0.0
        return H5Aread(attribute, swarm_h5t_native_double(), &v) >= 0 ? v : nil
    }

    /// A string root attribute.
    public func string(_ name: String) -> String? {
        let attribute = H5Aopen(file, name, 0)
        guard attribute >= 0 else { return nil }
        defer { H5Aclose(attribute) }
        let type = H5Aget_type(attribute)
        defer { H5Tclose(type) }
        var bytes = [UInt8](repeating: 0, count: H5Tget_size(type) + 1)
        guard H5Aread(attribute, type, &bytes) >= 0 else { return nil }
        return String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
    }

    /// One field of table `/name`, converted to doubles.
    public func column(_ name: String, _ field: String) throws(ResultsError) -> [Double] {
        let dataset = H5Dopen2(file, name, 0)
        guard dataset >= 0 else { throw ResultsError("no table \(name)") }
        defer { H5Dclose(dataset) }
        let stored = H5Dget_type(dataset)
        defer { H5Tclose(stored) }
        // HDF5 converts compound types by field name and silently skips missing ones.
        guard H5Tget_member_index(stored, field) >= 0 else { throw ResultsError("table \(name) has no field \(field)") }
        let space = H5Dget_space(dataset)
        defer { H5Sclose(space) }
        let rows = Int(H5Sget_simple_extent_npoints(space))
        let type = H5Tcreate(H5T_COMPOUND, 8)
        defer { H5Tclose(type) }
        H5Tinsert(type, field, 0, swarm_h5t_native_double())
        var values = [Double](repeating: .nan, count: max(rows, 1))
        guard H5Dread(dataset, type, swarm_h5s_all(), swarm_h5s_all(), 0, &values) >= 0 else {
            throw ResultsError("table \(name) has no field \(field)")
        }
        return Array(values.prefix(rows))
    }
}

extension ResultsWriter {
    /// `tasks`, `devices` and `summary` of a finished run, at the root or inside `group`.
    public func write(run engine: WorkEngine, group: String? = nil) throws(ResultsError) {
        let at = group.map { "\($0)/" } ?? ""
        let tasks = engine.tasks
        try writeTable(at + "tasks", [
            .uint32("job", tasks.job, units: "1"),
            .uint32("tenant", tasks.tenant.map(UInt32.init), units: "1"),
            .uint32("attempts", tasks.attempts.map(UInt32.init), units: "1"),
            .uint32("state", tasks.state.map { UInt32($0.rawValue) }, units: "TaskState raw value"),
            .double("arrival", tasks.arrival.map { Double($0) / 1e9 }, units: "s"),
            .double("finish", tasks.finished.map { $0 < 0 ? .nan : Double($0) / 1e9 }, units: "s"),
            .double("input_bytes", tasks.inputBytes, units: "bytes"),
            .double("output_bytes", tasks.outputBytes, units: "bytes"),
        ])
        let view = engine.view, fleet = view.fleet
        try writeTable(at + "devices", [
            .uint32("class", fleet.classOf.map(UInt32.init), units: "class id"),
            .uint32("region", fleet.regionOf.map(UInt32.init), units: "region id"),
            .uint32("attempts_returned", view.completed, units: "1"),
            .uint32("attempts_lost", view.failed, units: "1"),
        ])
        let m = engine.metrics
        try writeTable(at + "summary", [
            .double("tasks_done", [Double(m.tasksDone)], units: "1"),
            .double("makespan", [m.makespan], units: "s"),
            .double("throughput", [m.throughput], units: "tasks/s"),
            .double("latency_mean", [m.latency.mean], units: "s"),
            .double("latency_p50", [m.p50.value], units: "s"),
            .double("latency_p95", [m.p95.value], units: "s"),
            .double("latency_p99", [m.p99.value], units: "s"),
            .double("wasted_work", [m.wastedSeconds], units: "s"),
            .double("redundant_work", [m.redundantSeconds], units: "s"),
            .double("utilisation", [m.utilisation], units: "1"),
            .double("energy", [m.energyJoules], units: "J"),
            .double("cloud_cost", [m.money], units: "USD"),
            .double("accepted_errors", [Double(m.acceptedErrors)], units: "1"),
        ])
    }
}
