internal import CHDF5
import Foundation

/// A value of an HDF5 attribute, as Swarmlab writes them.
public enum ResultsValue: Equatable, Sendable, CustomStringConvertible, Encodable {
    case int(Int64)
    case double(Double)
    case string(String)
    case strings([String])

    public var description: String {
        switch self {
        case .int(let v): return String(v)
        case .double(let v): return String(v)
        case .string(let v): return v
        case .strings(let v): return "[" + v.joined(separator: ", ") + "]"
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .int(let v): try c.encode(v)
        case .double(let v): if v.isFinite { try c.encode(v) } else { try c.encodeNil() }
        case .string(let v): try c.encode(v)
        case .strings(let v): try c.encode(v)
        }
    }
}

/// Reads what `ResultsWriter` wrote (tests, `swarmlab inspect`, `swarmlab merge`).
public final class ResultsReader {
    let file: hid_t
    public let path: String

    /// Opens `path` read-only. Throws when it is not an HDF5 file; `checkSchema()` says
    /// whether it is a Swarmlab results file this version reads.
    public init(path: String) throws(ResultsError) {
        swarm_h5_quiet()
        self.path = path
        guard FileManager.default.fileExists(atPath: path) else { throw ResultsError("\(path): no such file") }
        guard H5Fis_hdf5(path) > 0 else { throw ResultsError("\(path) is not an HDF5 file (so not a Swarmlab results file)") }
        try HDF5Preflight.check(path: path)
        let access = unlockedFileAccess()
        defer { H5Pclose(access) }
        file = H5Fopen(path, swarm_h5f_acc_rdonly(), access)
        guard file >= 0 else { throw ResultsError("cannot open \(path) as HDF5") }
        swarm_h5_cloexec(file)
    }

    deinit { H5Fclose(file) }

    /// Throws unless this is a Swarmlab results file of the schema version this build reads.
    public func checkSchema() throws(ResultsError) {
        guard let v = attribute("schema_version") else {
            throw ResultsError("\(path) is an HDF5 file but not a Swarmlab results file (no schema_version attribute at its root)")
        }
        guard case .int(let version) = v, version == ResultsSchema.version else {
            throw ResultsError("\(path) has results schema version \(v); this Swarmlab reads version \(ResultsSchema.version)")
        }
    }

    /// A numeric root attribute, as a double.
    public func number(_ name: String) -> Double? {
        switch attribute(name) {
        case .int(let v): return Double(v)
        case .double(let v): return v
        default: return nil
        }
    }

    /// A string root attribute.
    public func string(_ name: String) -> String? {
        if case .string(let s) = attribute(name) { return s }
        return nil
    }

    /// The names of the attributes on `object` ("/" or a path), in name order.
    public func attributeNames(on object: String = "/") -> [String] {
        let o = H5Oopen(file, object, 0)
        guard o >= 0 else { return [] }
        defer { H5Oclose(o) }
        let n = swarm_h5_num_attrs(o)
        guard n > 0 else { return [] }
        return (0..<n).compactMap { i in
            let size = H5Aget_name_by_idx(o, ".", H5_INDEX_NAME, H5_ITER_INC, hsize_t(i), nil, 0, 0)
            guard size >= 0 else { return nil }
            var buffer = [CChar](repeating: 0, count: Int(size) + 1)
            H5Aget_name_by_idx(o, ".", H5_INDEX_NAME, H5_ITER_INC, hsize_t(i), &buffer, buffer.count, 0)
            return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }

    /// An attribute of `object` ("/" by default): integer, float, string or string array.
    public func attribute(_ name: String, on object: String = "/") -> ResultsValue? {
        guard H5Aexists_by_name(file, object, name, 0) > 0 else { return nil }
        let attribute = H5Aopen_by_name(file, object, name, 0, 0)
        guard attribute >= 0 else { return nil }
        defer { H5Aclose(attribute) }
        let type = H5Aget_type(attribute)
        defer { H5Tclose(type) }
        let space = H5Aget_space(attribute)
        defer { H5Sclose(space) }
        let count = Int(H5Sget_simple_extent_npoints(space))
        let scalar = H5Sget_simple_extent_type(space) == H5S_SCALAR
        switch H5Tget_class(type) {
        case H5T_INTEGER:
            var v = [Int64](repeating: 0, count: max(count, 1))
            guard H5Aread(attribute, swarm_h5t_native_int64(), &v) >= 0 else { return nil }
            return .int(v[0])
        case H5T_FLOAT:
            var v = [Double](repeating: 0, count: max(count, 1))
            guard H5Aread(attribute, swarm_h5t_native_double(), &v) >= 0 else { return nil }
            return .double(v[0])
        case H5T_STRING:
            var strings: [String] = []
            if H5Tis_variable_str(type) > 0 {
                var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: max(count, 1))
                guard H5Aread(attribute, type, &pointers) >= 0 else { return nil }
                for p in pointers.prefix(count) {
                    strings.append(p.map { String(cString: $0) } ?? "")
                    H5free_memory(p)
                }
            } else {
                let size = H5Tget_size(type)
                var bytes = [UInt8](repeating: 0, count: size * max(count, 1) + 1)
                guard H5Aread(attribute, type, &bytes) >= 0 else { return nil }
                for i in 0..<count {
                    strings.append(String(decoding: bytes[i * size..<(i + 1) * size].prefix { $0 != 0 }, as: UTF8.self))
                }
            }
            return scalar ? .string(strings.first ?? "") : .strings(strings)
        default:
            return nil
        }
    }

    /// What a link inside a group is.
    public enum Kind: String, Sendable, Encodable { case group, table, other }

    /// The children of group `path` ("/" by default), in name order, with their kind.
    public func children(of path: String = "/") -> [(name: String, kind: Kind)] {
        let g = H5Gopen2(file, path, 0)
        guard g >= 0 else { return [] }
        defer { H5Gclose(g) }
        var info = H5G_info_t()
        guard H5Gget_info(g, &info) >= 0 else { return [] }
        return (0..<info.nlinks).compactMap { i in
            let size = H5Lget_name_by_idx(g, ".", H5_INDEX_NAME, H5_ITER_INC, i, nil, 0, 0)
            guard size >= 0 else { return nil }
            var buffer = [CChar](repeating: 0, count: Int(size) + 1)
            H5Lget_name_by_idx(g, ".", H5_INDEX_NAME, H5_ITER_INC, i, &buffer, buffer.count, 0)
            let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let o = H5Oopen(g, name, 0)
            guard o >= 0 else { return (name, .other) }
            defer { H5Oclose(o) }
            switch H5Iget_type(o) {
            case H5I_GROUP: return (name, .group)
            case H5I_DATASET: return (name, .table)
            default: return (name, .other)
            }
        }
    }

    /// Rows and field names of table `name` (a dataset path).
    public func tableShape(_ name: String) throws(ResultsError) -> (rows: Int, fields: [String]) {
        let dataset = H5Dopen2(file, name, 0)
        guard dataset >= 0 else { throw ResultsError("\(path): no table \(name)") }
        defer { H5Dclose(dataset) }
        let space = H5Dget_space(dataset)
        defer { H5Sclose(space) }
        let type = H5Dget_type(dataset)
        defer { H5Tclose(type) }
        var fields: [String] = []
        if H5Tget_class(type) == H5T_COMPOUND {
            for i in 0..<max(0, H5Tget_nmembers(type)) {
                if let p = H5Tget_member_name(type, UInt32(i)) { fields.append(String(cString: p)); H5free_memory(p) }
            }
        }
        return (Int(H5Sget_simple_extent_npoints(space)), fields)
    }

    /// One field of table `name`, converted to doubles.
    public func column(_ name: String, _ field: String) throws(ResultsError) -> [Double] {
        let dataset = H5Dopen2(file, name, 0)
        guard dataset >= 0 else { throw ResultsError("\(path): no table \(name)") }
        defer { H5Dclose(dataset) }
        let stored = H5Dget_type(dataset)
        defer { H5Tclose(stored) }
        // HDF5 converts compound types by field name and silently skips missing ones.
        guard H5Tget_member_index(stored, field) >= 0 else { throw ResultsError("\(path): table \(name) has no field \(field)") }
        let space = H5Dget_space(dataset)
        defer { H5Sclose(space) }
        let rows = Int(H5Sget_simple_extent_npoints(space))
        try checkStorage(dataset, name, rows: rows, rowSize: H5Tget_size(stored))
        let type = H5Tcreate(H5T_COMPOUND, 8)
        defer { H5Tclose(type) }
        H5Tinsert(type, field, 0, swarm_h5t_native_double())
        var values = [Double](repeating: .nan, count: max(rows, 1))
        guard H5Dread(dataset, type, swarm_h5s_all(), swarm_h5s_all(), 0, &values) >= 0 else {
            throw ResultsError("\(path): cannot read \(name).\(field)")
        }
        return Array(values.prefix(rows))
    }

    /// Refuses, before a buffer is allocated for it, a table whose row count its stored bytes
    /// cannot hold: deflate compresses at most 1032:1, so more than 1032 × the stored bytes
    /// (plus 1 MiB for small tables) means a corrupt extent, not data.
    func checkStorage(_ dataset: hid_t, _ name: String, rows: Int, rowSize: Int) throws(ResultsError) {
        let stored = Int(H5Dget_storage_size(dataset))
        let (claimed, overflow) = rows.multipliedReportingOverflow(by: max(rowSize, 1))
        guard rows >= 0, !overflow, claimed <= 1032 * stored + (1 << 20) else {
            throw ResultsError("\(path): table \(name) claims \(rows) rows of \(rowSize) bytes but stores \(stored) bytes; the file is corrupt")
        }
    }

    /// The stored bytes of table `name` (its type's layout), and that layout's size per row:
    /// for byte-for-byte comparisons and shard merges.
    public func rawTable(_ name: String) throws(ResultsError) -> (bytes: [UInt8], rowSize: Int) {
        try rawTable(name, stored: false)
    }

    /// `stored`: the bytes in the file's own layout, read without any type conversion (what
    /// merge copies, so that a type the file describes oddly is never converted).
    func rawTable(_ name: String, stored: Bool) throws(ResultsError) -> (bytes: [UInt8], rowSize: Int) {
        let dataset = H5Dopen2(file, name, 0)
        guard dataset >= 0 else { throw ResultsError("\(path): no table \(name)") }
        defer { H5Dclose(dataset) }
        let type = H5Dget_type(dataset)
        defer { H5Tclose(type) }
        let native = stored ? H5Tcopy(type) : H5Tget_native_type(type, H5T_DIR_ASCEND)
        defer { H5Tclose(native) }
        let space = H5Dget_space(dataset)
        defer { H5Sclose(space) }
        let rows = Int(H5Sget_simple_extent_npoints(space)), size = H5Tget_size(native)
        try checkStorage(dataset, name, rows: rows, rowSize: size)
        var bytes = [UInt8](repeating: 0, count: max(1, rows * size))
        guard H5Dread(dataset, native, swarm_h5s_all(), swarm_h5s_all(), 0, &bytes) >= 0 else {
            throw ResultsError("\(path): cannot read table \(name)")
        }
        return (Array(bytes.prefix(rows * size)), size)
    }
}
