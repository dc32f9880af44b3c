import Testing
import SwarmLab

/// `HDF5Preflight`'s checks of a table's dataspace and filter pipeline messages, on the
/// `results` seed (`Fuzz/seeds/results/tiny.h5`) with one field changed at a time. The table
/// whose object header is at byte 6688 holds 6 rows: its filter pipeline message's data starts
/// at byte 7720 (56 bytes: version 1, 2 filters, 6 reserved; shuffle then deflate, each 8
/// bytes of id, name length, flags and value count, an 8-byte name and one value padded to
/// 8), its dataspace message's at byte 10256 (24 bytes: version 1, rank 1, flag 1 = maximum
/// sizes present, 5 reserved; size 6 at 10264, maximum 6 at 10272). HDF5 1.10 decodes both
/// without checking them against the message's length.
@Suite("HDF5 preflight: dataspaces and filter pipelines")
struct HDF5PreflightDatasetTests {
    static let header = 6688, pipeline = 7720, pipelineEnd = 7720 + 56, space = 10256

    static func refusal(at offset: Int, width: Int, value: UInt64) throws -> String? {
        try HDF5PreflightTests.refusal(at: offset, width: width, value: value)
    }

    @Test("a dataspace whose rank needs more sizes than its message holds is refused")
    func dataspaceRankPastMessage() throws {
        // Rank 2 with maximum sizes: 8 bytes of header + 2 × 2 sizes of 8 bytes = 40 > 24.
        let e = try Self.refusal(at: Self.space + 1, width: 1, value: 2)
        #expect(e == "FILE: byte \(Self.space): the dataspace of the table at byte \(Self.header) has rank 2 with maximum sizes, which needs \(8 + 2 * 2 * 8) bytes; its message has 24: the file is corrupt")
    }

    @Test("a dataspace of rank past HDF5's 32 is refused")
    func dataspaceRankPastLimit() throws {
        let e = try Self.refusal(at: Self.space + 1, width: 1, value: 33)
        #expect(e == "FILE: byte \(Self.space + 1): the dataspace of the table at byte \(Self.header) has rank 33; HDF5 allows at most 32: the file is corrupt")
    }

    @Test("a dataspace whose size is past its maximum is refused")
    func dataspaceSizePastMaximum() throws {
        // The maximum (byte 10256 + 8 + 8) becomes 2 rows, under the 6 stored.
        let e = try Self.refusal(at: Self.space + 16, width: 8, value: 2)
        #expect(e == "FILE: byte \(Self.space + 8): the dataspace of the table at byte \(Self.header) gives dimension 0 size 6, past its maximum 2: the file is corrupt")
    }

    @Test("a filter pipeline of more than 32 filters is refused")
    func pipelineTooManyFilters() throws {
        let e = try Self.refusal(at: Self.pipeline + 1, width: 1, value: 40)
        #expect(e == "FILE: byte \(Self.pipeline + 1): the filter pipeline of the table at byte \(Self.header) has 40 filters; HDF5 allows at most 32: the file is corrupt")
    }

    @Test("a filter that is not one of HDF5's own is refused before HDF5 looks for a plugin")
    func pipelineUnknownFilter() throws {
        // The first filter's id (shuffle, 2) at 7720 + 8 becomes 307.
        let e = try Self.refusal(at: Self.pipeline + 8, width: 2, value: 307)
        #expect(e == "FILE: byte \(Self.pipeline + 8): the filter pipeline of the table at byte \(Self.header): filter 0 has id 307, not one of HDF5's own filters (1–6); HDF5 would look for a plugin to load: the file is corrupt")
    }

    @Test("a filter name longer than its message is refused")
    func pipelineNamePastMessage() throws {
        // The first filter's name length (byte 7720 + 8 + 2) becomes 64: its name would start
        // at 7720 + 16 and end past the message's end, 7776.
        let e = try Self.refusal(at: Self.pipeline + 10, width: 2, value: 64)
        #expect(e == "FILE: byte \(Self.pipeline + 10): the filter pipeline of the table at byte \(Self.header): filter 0 has a name of 64 bytes, past the end of its message (byte \(Self.pipelineEnd)): the file is corrupt")
    }

    @Test("a filter name without its NUL is refused (HDF5 measured it with strlen)")
    func pipelineNameWithoutNUL() throws {
        // "shuffle\0" at 7720 + 16: its NUL (the 8th byte) becomes an "x".
        let e = try Self.refusal(at: Self.pipeline + 16 + 7, width: 1, value: UInt64(UInt8(ascii: "x")))
        #expect(e == "FILE: byte \(Self.pipeline + 16): the filter pipeline of the table at byte \(Self.header): filter 0 has a name without its NUL inside its 8 bytes: the file is corrupt")
    }

    @Test("a filter whose client values run past its message is refused")
    func pipelineValuesPastMessage() throws {
        // The second filter (deflate) starts at 7720 + 8 + 24; its value count, 6 bytes in,
        // becomes 100 (400 bytes of values in a message of 56).
        let second = Self.pipeline + 8 + 24
        let e = try Self.refusal(at: second + 6, width: 2, value: 100)
        #expect(e == "FILE: byte \(second + 6): the filter pipeline of the table at byte \(Self.header): filter 1 has 100 client values, past the end of its message (byte \(Self.pipelineEnd)): the file is corrupt")
    }

    // The same table's first object header chunk: a NIL message at 6728, the continuation
    // message to the second chunk at 7776 (16 bytes); its layout message's data at 12408
    // (version 3, chunked, rank 2, B-tree address, then chunk sizes of 4 bytes at 12419:
    // 6 rows, and 90 bytes, the element's size).

    @Test("a continuation message shorter than its address and length is refused (HDF5 read on and allocated 253 GB)")
    func continuationTooShort() throws {
        let e = try Self.refusal(at: 7776 + 2, width: 2, value: 0)
        #expect(e == "FILE: byte 7776: a continuation message in the object header at byte \(Self.header) is 0 bytes long; it needs 16: the file is corrupt")
    }

    @Test("an object header message of a type Swarmlab never writes is refused (external files)")
    func messageTypeNeverWritten() throws {
        let e = try Self.refusal(at: 6728, width: 2, value: 0x07)
        #expect(e == "FILE: byte 6728: the object header at byte \(Self.header) holds a message of type 7 (external data files), which Swarmlab never writes: the file is corrupt")
    }

    @Test("a chunk past 64 MiB is refused (HDF5 allocates a whole chunk to read a row of it)")
    func chunkTooLarge() throws {
        let e = try Self.refusal(at: 12419, width: 4, value: 1_000_000)
        #expect(e == "FILE: byte 12419: the layout of the table at byte \(Self.header) gives chunks of 90000000 bytes; Swarmlab writes chunks of about 1 MiB, and reads none over 64 MiB: the file is corrupt")
    }

    @Test("an attribute whose name has a NUL inside its stored length is refused (HDF5 refused it, then died in H5A__close)")
    func attributeNameWithInnerNUL() throws {
        // The table's attribute "units" at 10288 (its message header at 10280): the name, 6
        // bytes with its NUL, starts 8 bytes in; its third byte becomes a NUL.
        let e = try Self.refusal(at: 10288 + 8 + 2, width: 1, value: 0)
        #expect(e == "FILE: byte \(10288 + 8): the attribute at byte 10288 (object header at byte \(Self.header)) has a name that is not a string of 6 bytes with its NUL: the file is corrupt")
    }

    @Test("an unfiltered chunk stored in fewer bytes than a chunk is refused (HDF5 copied a whole chunk out of it)")
    func unfilteredChunkShort() throws {
        // The filter pipeline's count (7720 + 1) becomes 0: the chunk B-tree at 8152 (type 1,
        // one chunk) stores its one chunk in 184 bytes (deflated), its key at 8152 + 24; a
        // chunk is 6 rows of 90 bytes.
        let e = try Self.refusal(at: Self.pipeline + 1, width: 1, value: 0)
        #expect(e == "FILE: byte \(8152 + 24): the chunk B-tree of the table at byte \(Self.header): an unfiltered chunk is stored in 184 bytes; a chunk is 540: the file is corrupt")
    }

    @Test("a fill value past its message is refused (HDF5 copies it over rows no chunk holds)")
    func fillValuePastMessage() throws {
        // The fill value message at 7696, its data at 7704 (version 2, defined): its size, 4 bytes in, becomes 90.
        let e = try Self.refusal(at: 7704 + 4, width: 4, value: 90)
        #expect(e == "FILE: byte \(7704 + 4): the fill value of the table at byte \(Self.header) claims 90 bytes, past the end of its message: the file is corrupt")
    }

    @Test("a layout message of a version Swarmlab never writes is refused (HDF5 1.10 divided by a chunk size of 0)")
    func layoutVersion() throws {
        let e = try Self.refusal(at: 12408, width: 1, value: 2)
        #expect(e == "FILE: byte 12408: the layout of the table at byte \(Self.header) has version 2; Swarmlab writes version 3: the file is corrupt")
    }

    @Test("a variable-length datatype not of 16 bytes is refused (HDF5 copied 16 bytes per element: heap overflow in H5A__read)")
    func vlenSize() throws {
        // The root's `created` attribute (message data at 1352): its vlen string datatype at
        // 1368, whose size (4 bytes in) becomes 1.
        let e = try Self.refusal(at: 1368 + 4, width: 4, value: 1)
        #expect(e == "FILE: byte 1368: the datatype of the attribute at byte 1352 (object header at byte 96) is variable-length with size 1; it is stored in 16 bytes: the file is corrupt")
    }

    @Test("a chunk whose element size is not the datatype's is refused (HDF5 sized by one and copied by the other: heap overflow in H5Dread)")
    func chunkElementSize() throws {
        // The layout's last chunk dimension, the element's size (90, at 12419 + 4), becomes 91.
        let e = try Self.refusal(at: 12419 + 4, width: 4, value: 91)
        #expect(e == "FILE: byte \(12419 + 4): the layout of the table at byte \(Self.header) gives chunks of 91-byte elements; its datatype's elements are 90 bytes: the file is corrupt")
    }
}
