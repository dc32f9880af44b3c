import Foundation
import Testing
import SwarmLab

/// Inputs the fuzz targets (Fuzz/README.md) found crashing or hanging a reader, kept under
/// Fuzz/regressions/TARGET/ and fed to the same entry point the target uses: each must now
/// be refused with an error naming the file, quickly.
@Suite("Fuzz regressions")
struct FuzzRegressionTests {
    static func inputs(_ target: String) -> [String] {
        let dir = repositoryRoot.appendingPathComponent("Fuzz/regressions/\(target)").path
        return ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted().map { dir + "/" + $0 }
    }

    /// Feeds `path` to inspect and merge, as the `results` target does; returns their errors
    /// (nil: accepted). A crash inside HDF5 ends the test process: the test fails.
    static func inspectAndMerge(_ path: String) -> (inspect: String?, merge: String?) {
        var inspected: String? = nil, merged: String? = nil
        do { _ = try ResultsInspection(path: path) } catch { inspected = error.description }
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("fuzz-merge-\(getpid())-\(UUID().uuidString).h5").path
        do { _ = try ResultsMerge.merge(into: out, shards: [path]) } catch { merged = error.description }
        unlink(out)
        return (inspected, merged)
    }

    @Test("every results fixture is refused or read by inspect and merge, quickly, each refusal naming the file",
          .timeLimit(.minutes(1)))
    func results() throws {
        let inputs = Self.inputs("results")
        #expect(inputs.count >= 3)
        for path in inputs {
            let start = Date()
            let (inspected, merged) = Self.inspectAndMerge(path)
            for e in [inspected, merged].compactMap({ $0 }) { #expect(e.hasPrefix(path + ": "), "\(e)") }
            #expect(merged != nil || inspected == nil, "\(path): merge accepted what inspect refused")
            #expect(Date().timeIntervalSince(start) < 10, "\(path) took more than 10 s")
        }
    }

    @Test("a global heap collection with a free-space object of size 0 is refused by inspect and merge (HDF5 looped forever on it)",
          .timeLimit(.minutes(1)))
    func freeSpaceOfSizeZero() throws {
        let path = try #require(Self.inputs("results").first { $0.hasSuffix("/gcol-free-space-size-0.h5") })
        let (inspected, merged) = Self.inspectAndMerge(path)
        #expect(inspected?.hasPrefix("\(path): byte 3752: object 0 of the HDF5 global heap collection at byte 2048 has size 0") == true, "\(inspected ?? "")")
        #expect(merged == inspected)
    }

    @Test("a string attribute naming an object its global heap collection does not hold is refused by inspect and merge (merge died in H5HG_read under H5Ocopy)",
          .timeLimit(.minutes(1)))
    func attributeNamesMissingHeapObject() throws {
        let path = try #require(Self.inputs("results").first { $0.hasSuffix("/attribute-global-heap-bad-index.h5") })
        let (inspected, merged) = Self.inspectAndMerge(path)
        // The reference's index bytes were flipped to 262198 (0x40036); the collection at
        // byte 2048 holds objects 1… only as many as the file's strings.
        #expect(inspected?.contains("names object 262198 of the global heap collection at byte 2048, which holds no such object: the file is corrupt") == true, "\(inspected ?? "")")
        #expect(inspected?.hasPrefix("\(path): byte ") == true)
        #expect(merged == inspected)
    }

    @Test("a table whose float field claims 16384 bits of precision in 8 bytes is refused by inspect and merge (merge's conversion cleared memory far past the buffer: SIGSEGV in H5T__conv_f_f)",
          .timeLimit(.minutes(1)))
    func floatPrecisionPastItsSize() throws {
        let path = try #require(Self.inputs("results").first { $0.hasSuffix("/float-precision-past-its-size.h5") })
        let (inspected, merged) = Self.inspectAndMerge(path)
        #expect(inspected == "\(path): byte 56692: the datatype of the object at byte 55280 puts \(16 * 1024) bits at bit 0 of a 8-byte number: the file is corrupt")
        #expect(merged == inspected)
    }

    @Test("an attribute whose name is shorter than its stored length is refused by inspect and merge (HDF5 refused it, then died closing it: SIGSEGV in H5A__close)",
          .timeLimit(.minutes(1)))
    func attributeNameLengthMismatch() throws {
        let path = try #require(Self.inputs("results").first { $0.hasSuffix("/attribute-name-length-mismatch.h5") })
        let (inspected, merged) = Self.inspectAndMerge(path)
        // The root's attribute at byte 65784 (its header's third chunk, 65752, + 32): the name
        // starts 8 bytes in and is stored as 10 bytes, but the fuzzer put a NUL inside it. The
        // same input also holds a continuation message of 0 bytes (HDF5 1.10 would decode 16
        // bytes past it), found first since 2026-12-01; the name check is tested on the seed
        // (HDF5PreflightTests).
        #expect(inspected == "\(path): byte 40376: a continuation message in the object header at byte 39576 is 0 bytes long; it needs 16: the file is corrupt")
        #expect(merged == inspected)
    }

    @Test("an attribute HDF5 1.10 refuses to decode is refused by inspect and merge first (HDF5 refused it, then died closing it: SIGSEGV in H5A__close)",
          .timeLimit(.minutes(1)))
    func attributeDecodeFailure() throws {
        let path = try #require(Self.inputs("results").first { $0.hasSuffix("/attribute-vlen-base-type-version-5.h5") })
        let (inspected, merged) = Self.inspectAndMerge(path)
        // Two of the fuzzer's changes make HDF5 1.10 fail decoding an attribute (either ends
        // in H5A__close on the half-built attribute): the attribute message at byte 39128
        // (object header at byte 35528) has version 0 (the seed's 1), and the root's `created`
        // string has a base type of version 5 (byte 1376, 0x10 → 0x50; HDF5PreflightTests
        // checks that one alone). The walk meets the first.
        #expect(inspected == "\(path): byte 39128: an attribute in the object header at byte 35528 has version 0; HDF5 1.10 reads versions 1 to 3: the file is corrupt")
        #expect(merged == inspected)
    }

    @Test("a run group holding a link to something that is neither a group nor a table is refused by merge, naming it (merge died in H5Ocopy)",
          .timeLimit(.minutes(1)))
    func mergeOfDamagedLink() throws {
        let path = try #require(Self.inputs("results").first { $0.hasSuffix("/merge-h5ocopy-null-message.h5") })
        let (inspected, merged) = Self.inspectAndMerge(path)
        #expect(inspected == nil, "\(inspected ?? "")")   // inspect lists tables only: it reads the file
        #expect(merged == "\(path): /least-loaded/timeline is neither a group nor a table")
    }
}

/// A table's extent is read from the file: a corrupt one must not size a buffer.
@Suite("Corrupt table extents")
struct CorruptExtentTests {
    @Test("a table whose extent claims more rows than its stored bytes can hold is refused before a buffer is allocated")
    func extent() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("swarmlab-extent-\(getpid())-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let rows = 777   // a count that appears in the file only as the tasks table's extent
        let s = try Scenario.parse(text: """
            version: 1
            name: extent
            duration: 1h
            regions: [{ name: eu }]
            fleet: [{ class: desktop, region: eu, count: 4 }]
            workloads: [{ bag: { tasks: \(rows), work: { seconds: 1s } } }]
            policies: [random]
            """, file: dir + "/s.yaml", registry: .builtin)
        let good = dir + "/good.h5"
        _ = try ScenarioRunner.run(s, resultsPath: good)
        #expect(try ResultsReader(path: good).rawTable("random/tasks").bytes.count > 0)
        // Each 8-byte little-endian 777 in turn becomes 10¹²: where it is the extent, reading
        // the table is refused (before, a 10¹²-row buffer was allocated: a crash). The extent
        // is followed by its maximum, also 777, which becomes 10¹² with it (a size past its
        // maximum is refused earlier, by HDF5Preflight).
        let bytes = try Data(contentsOf: URL(fileURLWithPath: good))
        let needle = withUnsafeBytes(of: UInt64(rows).littleEndian) { Data($0) }
        let huge = withUnsafeBytes(of: UInt64(1_000_000_000_000).littleEndian) { Data($0) }
        var refusals: [String] = []
        var from = bytes.startIndex
        while let r = bytes.range(of: needle, in: from..<bytes.endIndex) {
            var bad = bytes
            bad.replaceSubrange(r, with: huge)
            let next = r.upperBound..<min(r.upperBound + 8, bytes.endIndex)
            if bytes[next] == needle { bad.replaceSubrange(next, with: huge) }
            let path = dir + "/bad-\(r.lowerBound).h5"
            try bad.write(to: URL(fileURLWithPath: path))
            do { _ = try ResultsReader(path: path).rawTable("random/tasks") } catch { refusals.append(error.description) }
            from = r.upperBound
        }
        #expect(refusals.contains { $0.contains("table random/tasks claims 1000000000000 rows of") && $0.hasSuffix("; the file is corrupt") }, "\(refusals)")
    }
}

/// `HDF5Preflight` on the `results` seed (`Fuzz/seeds/results/tiny.h5`, written by
/// Swarmlab) with one field changed at a time: each refusal names the file, the byte and the
/// field, where HDF5 1.10 itself would allocate or copy what the field claims.
@Suite("HDF5 preflight")
struct HDF5PreflightTests {
    static let seed = repositoryRoot.appendingPathComponent("Fuzz/seeds/results/tiny.h5").path

    /// The seed with `value` written little-endian over `width` bytes at `offset`; its error.
    static func refusal(at offset: Int, width: Int, value: UInt64) throws -> String? {
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: seed)))
        for i in 0..<width { bytes[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * i)) }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("preflight-\(getpid())-\(UUID().uuidString).h5").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        defer { unlink(path) }
        do { _ = try ResultsReader(path: path); return nil } catch { return error.description.replacingOccurrences(of: path, with: "FILE") }
    }

    @Test("the seed itself passes")
    func seedPasses() throws {
        #expect(try ResultsInspection(path: Self.seed).groups.count == 2)
    }

    @Test("a root object header claiming a 4 GiB chunk is refused before HDF5 allocates it")
    func hugeObjectHeader() throws {
        // The root group's header is at byte 96 (0x60, the superblock's root entry); its first
        // chunk's size is the 4 bytes at 96 + 8, and the chunk starts at 96 + 16.
        let size: UInt64 = 0xFFFF_FFF0
        let e = try Self.refusal(at: 96 + 8, width: 4, value: size)
        #expect(e == "FILE: byte 104: the object header at byte 96 claims a chunk of \(size) bytes at byte 112, past the end of the file (65848 bytes): the file is corrupt")
    }

    @Test("an attribute whose value claims more bytes than its message holds is refused before HDF5 copies them")
    func attributeValuePastMessage() throws {
        // `schema_version`: a version-1 attribute message at byte 832 (the root header's second
        // chunk, 800, + 32), 56 bytes: 8 of header, the name padded to 16, the datatype (12,
        // padded to 16) from byte 856, the dataspace (8) from 872, the value (8) from 880.
        // Its datatype's size (byte 856 + 4) becomes 4096.
        let e = try Self.refusal(at: 856 + 4, width: 4, value: 4096)
        #expect(e == "FILE: byte 880: the attribute at byte 832 (object header at byte 96) holds 1 elements of 4096 bytes, but its message has 8 bytes for them: the file is corrupt")
    }

    @Test("a string attribute whose base type has a datatype version HDF5 1.10 does not read is refused (HDF5 died closing the attribute)")
    func attributeBaseTypeVersion() throws {
        // The root's `created` attribute: message data at byte 1352, a version-1 name of 8
        // bytes at 1360, its vlen string datatype at 1368 and the base type 8 bytes on; its
        // first byte, 0x10 (version 1, class 0), becomes 0x50 (version 5).
        let e = try Self.refusal(at: 1368 + 8, width: 1, value: 0x50)
        #expect(e == "FILE: byte \(1368 + 8): the datatype of the attribute at byte 1352 (object header at byte 96) has version 5; HDF5 1.10 reads versions 1 to 3: the file is corrupt")
    }

    @Test("an attribute message of version 0 is refused (HDF5 died closing the attribute)")
    func attributeVersion() throws {
        // The `units` attribute at byte 39128 of the table whose object header is at 35528.
        let e = try Self.refusal(at: 39128, width: 1, value: 0)
        #expect(e == "FILE: byte 39128: an attribute in the object header at byte 35528 has version 0; HDF5 1.10 reads versions 1 to 3: the file is corrupt")
    }

    @Test("an integer whose precision is wider than its size is refused")
    func integerPrecisionPastSize() throws {
        // The same datatype's precision (byte 856 + 10) becomes 65 bits in its 8 bytes.
        let e = try Self.refusal(at: 856 + 10, width: 2, value: 65)
        #expect(e == "FILE: byte 856: the datatype of the attribute at byte 832 (object header at byte 96) puts 65 bits at bit 0 of a 8-byte number: the file is corrupt")
    }
}
