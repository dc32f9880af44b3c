// libFuzzer entry point for Swarmlab's readers. One binary, one target per reader, chosen by
// the environment variable SWARMLAB_FUZZ_TARGET (scripts/fuzz sets it). Every target hands
// the input to the same public entry point the CLI uses; the harness holds no reader code.
// A thrown error is a correct answer; a crash, a hang or a huge allocation is a finding.
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import SwarmLab
import SwarmRuntime

/// The readers, by the name used for their corpus folder and in `SWARMLAB_FUZZ_TARGET`.
enum FuzzTarget: String, CaseIterable {
    /// Scenario YAML through `ScenarioRunner.checkFile` (what `swarmlab check` runs).
    case scenario
    /// Availability traces, `device,start,end` CSV and the FTA `event_trace.tab`.
    case traceCSV = "trace-csv", traceFTA = "trace-fta"
    /// Region-to-region RTT matrices.
    case rtt
    /// Fleet files: region tables, device profiles (`class,region,count`), arrival traces.
    case fleet
    /// Calibration profiles (JSON written by `swarmlab calibrate`).
    case calibration
    /// Results files (HDF5) opened by `swarmlab inspect` and `swarmlab merge`.
    case results
    /// Runtime frames: the byte stream a coordinator reads from a worker.
    case frames
}

/// A folder of its own per process for the readers that take a path.
nonisolated(unsafe) var workFolder = ""
nonisolated(unsafe) var target = FuzzTarget.scenario

@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>) -> CInt {
    let name = ProcessInfo.processInfo.environment["SWARMLAB_FUZZ_TARGET"] ?? ""
    guard let t = FuzzTarget(rawValue: name) else {
        FileHandle.standardError.write(Data("set SWARMLAB_FUZZ_TARGET to one of: \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")) (found `\(name)`)\n".utf8))
        exit(64)
    }
    target = t
    workFolder = NSTemporaryDirectory() + "swarmlab-fuzz-\(getpid())"
    try? FileManager.default.createDirectory(atPath: workFolder, withIntermediateDirectories: true)
    atexit { try? FileManager.default.removeItem(atPath: workFolder) }
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    FuzzInput.run(target, bytes, folder: workFolder)
    return 0
}

/// One input through one reader. Also run by hand on a file: `FuzzInput.run(.rtt, bytes, …)`.
enum FuzzInput {
    static func run(_ target: FuzzTarget, _ bytes: UnsafeBufferPointer<UInt8>, folder: String) {
        let text = String(decoding: bytes, as: UTF8.self)
        switch target {
        case .scenario:
            let path = write(bytes, to: folder + "/scenario.yaml")
            _ = try? ScenarioRunner.checkFile(path)
        case .traceCSV:
            _ = try? AvailabilityTraceReader.parse(bytes: bytes, file: "trace.csv", format: .csv)
        case .traceFTA:
            _ = try? AvailabilityTraceReader.parse(bytes: bytes, file: "event_trace.tab", format: .fta)
        case .rtt:
            // Half the inputs with the regions a scenario would name, half discovering them.
            let known: [String]? = bytes.count % 2 == 0 ? nil : ["eu-west", "us-east", "ap-south"]
            _ = try? RTTMatrixReader.parse(text: text, file: "rtt.csv", defaultIntraRegionRTT: 0.002, knownRegions: known)
        case .fleet:
            // The first line's header picks the reader, as a fleet section's field does.
            if text.hasPrefix("region,") {
                _ = try? RegionTableReader.parse(text: text, file: "regions.csv")
            } else if text.hasPrefix("arrival_s") {
                _ = try? ArrivalTraceReader.parse(text: text, file: "arrivals.csv")
            } else {
                _ = try? DeviceProfileReader.parse(text: text, file: "devices.csv",
                                                   classes: ["phone", "laptop", "gpu-server"], regions: ["eu-west", "us-east"])
            }
        case .calibration:
            _ = try? DeviceProfile.decode(Data(buffer: bytes), path: "profile.json")
        case .results:
            let path = write(bytes, to: folder + "/input.h5")
            // Merge (which writes a file) only what inspect reads: merge opens its shards with
            // the same reader and checks, so an input inspect refuses gets no further there.
            guard (try? ResultsInspection(path: path)) != nil else { return }
            // SWARMLAB_FUZZ_MERGE=0 (scripts/fuzz's short run): inspect only (see there why).
            guard ProcessInfo.processInfo.environment["SWARMLAB_FUZZ_MERGE"] != "0" else { return }
            let merged = folder + "/merged.h5"
            _ = try? ResultsMerge.merge(into: merged, shards: [path])
            unlink(merged)
        case .frames:
            frames(bytes)
        }
    }

    /// The stream as a coordinator reads it: frames cut by `FrameDecoder`, then decoded as
    /// messages. An input whose first byte is odd has every frame re-signed with device 7's
    /// key first, so the fuzzer reaches the message decoder past the HMAC check.
    static func frames(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let mode = bytes.first else { return }
        var stream = Array(bytes.dropFirst())
        if mode & 1 == 1 { stream = resign(stream) }
        var decoder = FrameDecoder()
        // Fed in two pieces, as reads from a socket arrive.
        let cut = stream.isEmpty ? 0 : Int(mode >> 1) % (stream.count + 1)
        for piece in [stream[..<cut], stream[cut...]] {
            decoder.append(piece)
            while true {
                do {
                    guard let frame = try decoder.next(key: { $0 == 7 ? key : nil }) else { break }
                    _ = try? Message(frame)
                } catch {
                    if error.closesConnection { return }
                }
            }
        }
    }

    static let keys = RunKeys(secret: Array(repeating: 42, count: 32))
    nonisolated(unsafe) static let key = keys.deviceKey(7)

    /// Re-encodes each frame (as far as the length fields allow) with device 7's key, keeping
    /// its version, kind, device, sequence and payload; a frame of an unknown kind is kept as is.
    static func resign(_ stream: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var offset = 0
        while stream.count - offset >= Frame.headerSize {
            var r = ByteReader(stream[offset..<(offset + Frame.headerSize)])
            _ = r.u32()
            let version = r.u16(), kindByte = r.u8(); _ = r.u8()
            let device = r.u32(), sequence = r.u64(), length = min(Int(r.u32()), Frame.maxPayload)
            let bodyEnd = min(offset + Frame.headerSize + length, stream.count)
            let next = min(bodyEnd + Frame.tagSize, stream.count)
            if let kind = FrameKind(rawValue: kindByte) {
                let payload = Array(stream[(offset + Frame.headerSize)..<bodyEnd])
                out += Frame(kind: kind, device: device, sequence: sequence, payload: payload).encoded(key: key, version: version)
            } else {
                out += stream[offset..<next]
            }
            offset = next
        }
        return out + stream[offset...]
    }

    static func write(_ bytes: UnsafeBufferPointer<UInt8>, to path: String) -> String {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        if fd >= 0 {
            if let base = bytes.baseAddress { _ = Glibc.write(fd, base, bytes.count) }
            close(fd)
        }
        return path
    }
}
