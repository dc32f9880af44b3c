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
    case uint8(String, [UInt8], units: String)
    case uint16(String, [UInt16], units: String)
    case int32(String, [Int32], units: String)
    case uint32(String, [UInt32], units: String)
    case int64(String, [Int64], units: String)
    case double(String, [Double], units: String)

    var name: String {
        switch self {
        case .uint8(let n, _, _), .uint16(let n, _, _), .int32(let n, _, _), .uint32(let n, _, _), .int64(let n, _, _), .double(let n, _, _): return n
        }
    }
    var units: String {
        switch self {
        case .uint8(_, _, let u), .uint16(_, _, let u), .int32(_, _, let u), .uint32(_, _, let u), .int64(_, _, let u), .double(_, _, let u): return u
        }
    }
    var count: Int {
        switch self {
        case .uint8(_, let v, _): return v.count
        case .uint16(_, let v, _): return v.count
        case .int32(_, let v, _): return v.count
        case .uint32(_, let v, _): return v.count
        case .int64(_, let v, _): return v.count
        case .double(_, let v, _): return v.count
        }
    }
    var type: ResultsSchema.ColumnType {
        switch self {
        case .uint8: return .uint8
        case .uint16: return .uint16
        case .int32: return .int32
        case .uint32: return .uint32
        case .int64: return .int64
        case .double: return .float64
        }
    }
    var size: Int { type.size }
    var nativeType: hid_t { ResultsColumn.native(type) }

    static func native(_ t: ResultsSchema.ColumnType) -> hid_t {
        switch t {
        case .uint8: return swarm_h5t_native_uint8()
        case .uint16: return swarm_h5t_native_uint16()
        case .int32: return swarm_h5t_native_int32()
        case .uint32: return swarm_h5t_native_uint32()
        case .int64: return swarm_h5t_native_int64()
        case .float64: return swarm_h5t_native_double()
        }
    }

    /// Copies the values into every `stride`-th slot of `raw` from byte `offset`.
    func pack(into raw: UnsafeMutableRawBufferPointer, offset: Int, stride: Int) {
        func copy<T>(_ v: [T]) {
            v.withUnsafeBufferPointer { src in
                guard let base = raw.baseAddress, !src.isEmpty else { return }
                var p = base + offset
                for x in src { p.storeBytes(of: x, as: T.self); p += stride }
            }
        }
        switch self {
        case .uint8(_, let v, _): copy(v)
        case .uint16(_, let v, _): copy(v)
        case .int32(_, let v, _): copy(v)
        case .uint32(_, let v, _): copy(v)
        case .int64(_, let v, _): copy(v)
        case .double(_, let v, _): copy(v)
        }
    }
}

/// File-access properties with HDF5's file locking off. HDF5 `flock`s every file it opens, on a
/// descriptor a child process started meanwhile (a test, a sweep spawning workers) inherits: the
/// lock then outlives the writer's close, and opening the finished file fails ("cannot open …
/// as HDF5") until the child exits. Results files need no lock: a writer owns its private
/// temporary file, readers open only renamed, finished ones. The caller closes the list.
func unlockedFileAccess() -> hid_t {
    let access = H5Pcreate(swarm_h5p_file_access())
    H5Pset_file_locking(access, false, true)
    return access
}

/// A results file being written: HDF5, into a temporary file beside `path` that `commit`
/// renames into place — a run killed halfway never leaves a truncated file that looks
/// complete. Tables are chunked, shuffled and deflate-compressed compound datasets (one field
/// per column, snake_case names), each with a `units` attribute listing `field: unit` pairs.
/// `docs/results-schema.md` (generated from `ResultsSchema`) is the reference.
public final class ResultsWriter {
    public static let schemaVersion: Int64 = ResultsSchema.version
    public let path: String
    let temporary: String
    var file: hid_t
    var committed = false
    /// Deflate level of tables (0 = none); 1 is the fast default, see `swarmlab bench results`.
    public var compression: Int = 1

    /// Starts a results file that will appear at `path` on `commit()`, creating its folder if
    /// it does not exist yet (a new user's checkout has no `results/`). First removes stale
    /// temporary files of earlier writers of `path` that were killed before they could clean up
    /// (`removeStaleTemporaries(of:)`).
    public init(path: String) throws(ResultsError) {
        swarm_h5_quiet()
        self.path = path
        temporary = path + ".tmp-\(getpid())"
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty && !FileManager.default.fileExists(atPath: folder) {
            do { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
                throw ResultsError("cannot create the folder \(folder) for \(path): \((error as NSError).localizedDescription)")
            }
        }
        ResultsWriter.removeStaleTemporaries(of: path)
        let access = unlockedFileAccess()
        defer { H5Pclose(access) }
        file = H5Fcreate(temporary, swarm_h5f_acc_trunc(), 0, access)
        guard file >= 0 else { throw ResultsError("cannot create \(temporary) (is the folder writable?)") }
        swarm_h5_cloexec(file)
        try setAttribute("schema_version", ResultsWriter.schemaVersion)
    }

    /// Removes `PATH.tmp-PID` files (the temporaries of writers of `path`) whose process is gone:
    /// `kill(PID, 0)` fails with `ESRCH`. A writer killed by SIGKILL cannot unlink its own; one
    /// still running (or whose liveness cannot be told, e.g. `EPERM`) is left alone. Returns the
    /// files removed.
    @discardableResult
    public static func removeStaleTemporaries(of path: String) -> [String] {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        let prefix = url.lastPathComponent + ".tmp-"
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return [] }
        var removed: [String] = []
        for name in names where name.hasPrefix(prefix) {
            let digits = name.dropFirst(prefix.count)
            guard !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber),
                  let pid = pid_t(digits), pid > 0, pid != getpid() else { continue }
            if kill(pid, 0) == -1 && errno == ESRCH {
                let stale = (folder as NSString).appendingPathComponent(name)
                if unlink(stale) == 0 { removed.append(stale) }
            }
        }
        return removed
    }

    deinit {
        if !committed {
            H5Fclose(file)
            unlink(temporary)
        }
    }

    /// Opens `object` ("/" or a group path) for attributes; closes it after `body`.
    func withObject<R>(_ object: String, _ body: (hid_t) throws(ResultsError) -> R) throws(ResultsError) -> R {
        let o = H5Oopen(file, object, 0)
        guard o >= 0 else { throw ResultsError("no object \(object) in \(path)") }
        defer { H5Oclose(o) }
        return try body(o)
    }

    /// A string attribute (UTF-8, variable length) on the root group or on `object`.
    public func setAttribute(_ name: String, _ value: String, on object: String = "/") throws(ResultsError) {
        try withObject(object) { o throws(ResultsError) in try stringAttribute(on: o, name, [value], scalar: true) }
    }

    /// An array-of-strings attribute (lookup tables: index = code).
    public func setAttribute(_ name: String, _ values: [String], on object: String = "/") throws(ResultsError) {
        try withObject(object) { o throws(ResultsError) in try stringAttribute(on: o, name, values, scalar: false) }
    }

    /// An integer attribute on the root group or on `object` (seed, schema version, …).
    public func setAttribute(_ name: String, _ value: Int64, on object: String = "/") throws(ResultsError) {
        try withObject(object) { o throws(ResultsError) in try scalarAttribute(on: o, name, swarm_h5t_native_int64(), value) }
    }

    /// A floating-point attribute on the root group or on `object` (wall time, …).
    public func setAttribute(_ name: String, _ value: Double, on object: String = "/") throws(ResultsError) {
        try withObject(object) { o throws(ResultsError) in try scalarAttribute(on: o, name, swarm_h5t_native_double(), value) }
    }

    func stringAttribute(on object: hid_t, _ name: String, _ values: [String], scalar: Bool) throws(ResultsError) {
        let type = H5Tcopy(swarm_h5t_c_s1())
        defer { H5Tclose(type) }
        H5Tset_size(type, swarm_h5t_variable())
        H5Tset_cset(type, H5T_CSET_UTF8)
        var dims: [hsize_t] = [hsize_t(values.count)]
        let space = scalar ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &dims, nil)
        defer { H5Sclose(space) }
        if H5Aexists(object, name) > 0 { H5Adelete(object, name) }
        let attribute = H5Acreate2(object, name, type, space, 0, 0)
        guard attribute >= 0 else { throw ResultsError("cannot create attribute \(name)") }
        defer { H5Aclose(attribute) }
        var pointers: [UnsafeMutablePointer<CChar>?] = values.map { strdup($0) }
        defer { for p in pointers { free(p) } }
        if pointers.isEmpty { pointers = [nil] }
        guard H5Awrite(attribute, type, &pointers) >= 0 else { throw ResultsError("cannot write attribute \(name)") }
    }

    func scalarAttribute<T: BitwiseCopyable>(on object: hid_t, _ name: String, _ type: hid_t, _ value: T) throws(ResultsError) {
        let space = H5Screate(H5S_SCALAR)
        defer { H5Sclose(space) }
        if H5Aexists(object, name) > 0 { H5Adelete(object, name) }
        let attribute = H5Acreate2(object, name, type, space, 0, 0)
        guard attribute >= 0 else { throw ResultsError("cannot create attribute \(name)") }
        defer { H5Aclose(attribute) }
        var v = value
        guard H5Awrite(attribute, type, &v) >= 0 else { throw ResultsError("cannot write attribute \(name)") }
    }

    /// Writes a schema table into `group` (nil: the root): the columns must be the schema's,
    /// in its order and types (a mismatch is a programming error).
    public func writeTable(_ table: ResultsSchema.Table, in group: String?, _ columns: [ResultsColumn]) throws(ResultsError) {
        precondition(columns.map(\.name) == table.columns.map(\.name), "table \(table.name): columns \(columns.map(\.name)) are not the schema's \(table.columns.map(\.name))")
        for (c, s) in zip(columns, table.columns) {
            precondition(c.type == s.type && c.units == s.unit, "table \(table.name).\(s.name): \(c.type)/\(c.units), the schema says \(s.type)/\(s.unit)")
        }
        try writeTable(group.map { "\($0)/\(table.name)" } ?? table.name, columns)
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
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, rows * rowSize), alignment: 8)
        defer { buffer.deallocate() }
        for (c, offset) in zip(columns, offsets) { c.pack(into: buffer, offset: offset, stride: rowSize) }
        var dims: [hsize_t] = [hsize_t(rows)]
        let space = H5Screate_simple(1, &dims, nil)
        defer { H5Sclose(space) }
        let properties = H5Pcreate(swarm_h5p_dataset_create())
        defer { H5Pclose(properties) }
        if rows > 0 {
            // About 1 MiB per chunk: HDF5's default chunk cache holds one.
            var chunk: [hsize_t] = [hsize_t(min(rows, max(1024, (1 << 20) / rowSize)))]   // = chunkRows below
            H5Pset_chunk(properties, 1, &chunk)
            if compression > 0 {
                H5Pset_shuffle(properties)
                H5Pset_deflate(properties, UInt32(compression))
            }
        }
        let dataset = H5Dcreate2(file, name, type, space, 0, properties, 0)
        guard dataset >= 0 else { throw ResultsError("cannot create table \(name) in \(path) (does it exist already?)") }
        defer { H5Dclose(dataset) }
        let chunkRows = min(rows, max(1024, (1 << 20) / rowSize))
        if compression > 0 && rows > chunkRows {
            // HDF5 filters chunks on one thread (and its lock serialises callers): shuffle and
            // deflate the chunks here in parallel, then hand HDF5 the finished chunks.
            try writeCompressedChunks(dataset, name, buffer, rows: rows, rowSize: rowSize, chunkRows: chunkRows)
        } else {
            guard H5Dwrite(dataset, type, swarm_h5s_all(), swarm_h5s_all(), 0, buffer.baseAddress) >= 0 else {
                throw ResultsError("cannot write table \(name)")
            }
        }
        try stringAttribute(on: dataset, "units", [columns.map { "\($0.name): \($0.units)" }.joined(separator: "; ")], scalar: true)
    }

    /// Writes `rows` packed rows as chunks of `chunkRows`, each byte-shuffled and deflated
    /// exactly as HDF5's shuffle + deflate pipeline would (zlib `compress2` at `compression`),
    /// on all cores, then stored with `H5Dwrite_chunk`. The last chunk is zero-padded to a
    /// full chunk, as HDF5 stores it. Deterministic: the bytes do not depend on threads.
    func writeCompressedChunks(_ dataset: hid_t, _ name: String, _ rowsBuffer: UnsafeMutableRawBufferPointer,
                               rows: Int, rowSize: Int, chunkRows: Int) throws(ResultsError) {
        let chunkBytes = chunkRows * rowSize
        let chunks = (rows + chunkRows - 1) / chunkRows
        let bound = Int(compressBound(uLong(chunkBytes)))
        let output = UnsafeMutableRawBufferPointer.allocate(byteCount: chunks * bound, alignment: 8)
        defer { output.deallocate() }
        let sizes = UnsafeMutableBufferPointer<Int>.allocate(capacity: chunks)
        defer { sizes.deallocate() }
        // Addresses as integers: the closure runs on several threads, each on its own chunks.
        let input = UInt(bitPattern: rowsBuffer.baseAddress!), out = UInt(bitPattern: output.baseAddress!)
        let sizesAt = UInt(bitPattern: sizes.baseAddress!), total = rows * rowSize, level = Int32(compression)
        DispatchQueue.concurrentPerform(iterations: chunks) { k in
            let source = UnsafeRawPointer(bitPattern: input)!.advanced(by: k * chunkBytes)
            let available = min(chunkBytes, total - k * chunkBytes)
            let shuffled = UnsafeMutablePointer<UInt8>.allocate(capacity: chunkBytes)
            defer { shuffled.deallocate() }
            // HDF5's shuffle: byte j of element i goes to j·elements + i (padding is zeros).
            // Rows outer: one sequential read, rowSize sequential write lanes.
            let bytes = source.assumingMemoryBound(to: UInt8.self), elements = chunkRows, present = available / rowSize
            if present < elements { shuffled.initialize(repeating: 0, count: chunkBytes) }
            for i in 0..<present {
                let row = bytes + i * rowSize
                var lane = shuffled + i
                for j in 0..<rowSize { lane.pointee = row[j]; lane += elements }
            }
            var length = uLongf(bound)
            let destination = UnsafeMutablePointer<UInt8>(bitPattern: out)!.advanced(by: k * bound)
            let status = compress2(destination, &length, shuffled, uLong(chunkBytes), level)
            UnsafeMutablePointer<Int>(bitPattern: sizesAt)![k] = status == Z_OK ? Int(length) : -1
        }
        for k in 0..<chunks {
            var offset: [hsize_t] = [hsize_t(k * chunkRows)]
            guard sizes[k] >= 0,
                  H5Dwrite_chunk(dataset, 0, 0, &offset, sizes[k], output.baseAddress! + k * bound) >= 0 else {
                throw ResultsError("cannot write chunk \(k) of table \(name)")
            }
        }
    }

    /// Creates group `/name` (e.g. one per policy of a comparison).
    public func createGroup(_ name: String) throws(ResultsError) {
        let g = H5Gcreate2(file, name, 0, 0, 0)
        guard g >= 0 else { throw ResultsError("cannot create group \(name) in \(path) (does it exist already?)") }
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
