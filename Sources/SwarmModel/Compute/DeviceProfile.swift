import Foundation
import SwarmKernel

/// What `swarmlab calibrate` measured on one machine: sustained FLOP/s per kernel and shape,
/// memory bandwidth, and the fixed costs around a task. Written as JSON (schema in
/// docs/calibration.md), read by `CalibratedCostModel` so the simulator can predict what the
/// reference runtime will measure on this machine class.
public struct DeviceProfile: Codable, Sendable, Equatable {
    /// The file format's version; readers refuse other versions.
    public static let schemaVersion = 1

    /// One kernel shape's measurement.
    public struct KernelSample: Codable, Sendable, Equatable {
        /// The kernel's case name: gemm, conv2d, attention, elementwise or reduction.
        public var kind: String
        /// A readable shape, e.g. "m=1024 n=1024 k=1024 fp32".
        public var shape: String
        /// The descriptor itself, so a lookup can match it exactly.
        public var kernel: TensorKernel
        /// FLOP and bytes per call (`TensorKernel.flops`, `.bytesMoved`).
        public var flops: Double
        public var bytes: Double
        /// Typical and fastest seconds per call over `repeats` calls (compute only): the median
        /// when `calibrate` measured it, the mean when `validate` re-measured it in workers
        /// (the simulated attempts then sum as the real ones do).
        public var seconds: Double
        public var minSeconds: Double
        public var repeats: Int
        /// flops / seconds.
        public var flopsPerSecond: Double
        /// CPU seconds per call (as `seconds`: median or mean) spent around the computation — generating its inputs,
        /// checksumming its output, the call itself — measured with it, the way a worker runs
        /// it (`validate` re-measuring); nil when only the machine's rates were measured
        /// (`calibrate`), which then stand in for it.
        public var aroundSeconds: Double?
        /// How much one call's seconds vary, relative to `seconds`: the coefficient of variation
        /// of the calls `validate` measured; nil when not measured. The simulator draws attempt times with this spread
        /// (`WorkEngine.Configuration.computeSpread`) when it validates.
        public var spread: Double?

        public init(kernel: TensorKernel, seconds: Double, minSeconds: Double, repeats: Int, aroundSeconds: Double? = nil,
                    spread: Double? = nil) {
            self.kind = kernel.kind; self.shape = kernel.shapeDescription; self.kernel = kernel
            self.aroundSeconds = aroundSeconds; self.spread = spread
            self.flops = kernel.flops; self.bytes = kernel.bytesMoved
            self.seconds = seconds; self.minSeconds = minSeconds; self.repeats = repeats
            self.flopsPerSecond = seconds > 0 ? kernel.flops / seconds : 0
        }
    }

    public var schema: Int
    /// The machine class this profile stands for, e.g. "2-core x86_64 Debian 12".
    public var machineClass: String
    /// Where and how it was measured (provenance).
    public var host: String
    public var cpu: String
    public var cores: Int
    /// OpenBLAS threads used for every measurement (1: one emulated device per core).
    public var threads: Int
    public var blas: String
    /// The kernel OpenBLAS runs on this CPU (`openblas_get_corename`, e.g. "Haswell"): with
    /// `cpu` and `cores`, the machine identity a profile is matched on. Absent from profiles
    /// written before it was recorded (`MachineIdentity.mismatch` then compares `blas`).
    public var blasCore: String?
    public var measuredAt: String
    /// GEMM FLOP/s on the largest calibrated square GEMM: what "speed 1" means when emulated
    /// devices are described relative to this machine.
    public var referenceFlopsPerSecond: Double
    /// Memory copy bandwidth (bytes read + bytes written per second), single thread.
    public var memoryBandwidth: Double
    /// How fast a worker generates kernel inputs from a seed (elements/s); stands in for
    /// reading inputs, and is part of every task's time in the runtime.
    public var inputElementsPerSecond: Double
    /// Fixed seconds per task around the kernel call (smallest-kernel call, inputs included).
    public var perTaskOverhead: Double
    /// How fast a worker checksums a kernel's output (elements/s): every attempt reduces its
    /// whole output to the checksum it returns, after computing. Absent from profiles written
    /// before it was measured; then no checksum time is modelled.
    public var checksumElementsPerSecond: Double?
    /// Seconds to spawn and reap one process (`processStartCommand`).
    public var processStartSeconds: Double
    public var processStartCommand: String
    public var kernels: [KernelSample]

    public init(machineClass: String, host: String, cpu: String, cores: Int, threads: Int, blas: String,
                measuredAt: String, referenceFlopsPerSecond: Double, memoryBandwidth: Double,
                inputElementsPerSecond: Double, perTaskOverhead: Double, processStartSeconds: Double,
                processStartCommand: String, kernels: [KernelSample], checksumElementsPerSecond: Double? = nil,
                blasCore: String? = nil) {
        self.schema = DeviceProfile.schemaVersion
        self.machineClass = machineClass; self.host = host; self.cpu = cpu; self.cores = cores
        self.threads = threads; self.blas = blas; self.measuredAt = measuredAt
        self.referenceFlopsPerSecond = referenceFlopsPerSecond; self.memoryBandwidth = memoryBandwidth
        self.inputElementsPerSecond = inputElementsPerSecond; self.perTaskOverhead = perTaskOverhead
        self.processStartSeconds = processStartSeconds; self.processStartCommand = processStartCommand
        self.kernels = kernels; self.checksumElementsPerSecond = checksumElementsPerSecond
        self.blasCore = blasCore
    }

    /// A device class for an emulated device running at `speed` × this machine (its CPU
    /// FLOP/s is `speed · referenceFlopsPerSecond`; `CalibratedCostModel` scales by it).
    public func deviceClass(name: String, speed: Double = 1, downlink: Double = 1e12, uplink: Double = 1e12,
                            accessLatency: SimDuration = .zero, availability: AvailabilityModel = .alwaysOn) -> DeviceClass {
        DeviceClass(name: name, cpuFlops: speed * referenceFlopsPerSecond, cores: threads, memory: 8 * 1_073_741_824,
                    memoryBandwidth: memoryBandwidth, idleWatts: 0, busyWatts: 0, downlink: downlink, uplink: uplink,
                    accessLatency: accessLatency, availability: availability,
                    sources: ["calibrated: \(machineClass) (\(host), \(measuredAt)), speed ×\(speed)"])
    }

    // MARK: - Files

    /// A profile file that could not be read, naming the file, where, and what was expected.
    public struct ReadError: Error, CustomStringConvertible, Equatable {
        public var description: String
    }

    /// The profile as pretty, key-sorted JSON.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// Largest profile file read, bytes (1 MiB; a profile is a few KiB). Checked on the file's
    /// size before reading it, as `ScenarioLimits` and `TraceLimits` do for their files.
    public static let maxBytes = 1 << 20

    /// Reads a profile written by `swarmlab calibrate`.
    public static func read(path: String) throws -> DeviceProfile {
        if let size = ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue, size > maxBytes {
            throw ReadError(description: "\(path): the file is \(size) bytes; the limit is \(maxBytes) bytes (1 MiB)")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ReadError(description: "\(path): cannot read the calibration profile (no such file, or unreadable)")
        }
        return try decode(data, path: path)
    }

    /// Decodes profile JSON; errors name `path`, the line, the field and what was expected.
    public static func decode(_ data: Data, path: String) throws -> DeviceProfile {
        guard data.count <= maxBytes else {
            throw ReadError(description: "\(path): the file is \(data.count) bytes; the limit is \(maxBytes) bytes (1 MiB)")
        }
        let text = String(decoding: data, as: UTF8.self)
        let profile: DeviceProfile
        do {
            profile = try JSONDecoder().decode(DeviceProfile.self, from: data)
        } catch let error as DecodingError {
            throw ReadError(description: describe(error, path: path, text: text))
        }
        guard profile.schema == schemaVersion else {
            throw ReadError(description: "\(path):\(line(of: ["schema"], in: text)): field 'schema': expected \(schemaVersion), found \(profile.schema) (re-run swarmlab calibrate)")
        }
        for (i, s) in profile.kernels.enumerated() where !(s.seconds > 0 && s.flops > 0) {
            throw ReadError(description: "\(path):\(line(of: ["kernels", "seconds"], in: text, occurrence: i)): field 'kernels[\(i)].seconds': expected a positive time and FLOP count, found \(s.seconds) s for \(s.flops) FLOP")
        }
        for (name, v) in [("referenceFlopsPerSecond", profile.referenceFlopsPerSecond), ("memoryBandwidth", profile.memoryBandwidth),
                          ("inputElementsPerSecond", profile.inputElementsPerSecond)] where !(v > 0 && v.isFinite) {
            throw ReadError(description: "\(path):\(line(of: [name], in: text)): field '\(name)': expected a positive number, found \(v)")
        }
        if let v = profile.checksumElementsPerSecond, !(v > 0 && v.isFinite) {
            throw ReadError(description: "\(path):\(line(of: ["checksumElementsPerSecond"], in: text)): field 'checksumElementsPerSecond': expected a positive number, found \(v)")
        }
        return profile
    }

    static func describe(_ error: DecodingError, path: String, text: String) -> String {
        func field(_ p: [any CodingKey]) -> String {
            p.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().drop { $0 == "." }.description
        }
        func keys(_ p: [any CodingKey]) -> [String] { p.compactMap { $0.intValue == nil ? $0.stringValue : nil } }
        switch error {
        case .keyNotFound(let key, let context):
            let at = context.codingPath
            return "\(path):\(line(of: keys(at), in: text)): field '\(field(at + [key]))' is missing (expected by calibration schema \(schemaVersion))"
        case .typeMismatch(let type, let context), .valueNotFound(let type, let context):
            return "\(path):\(line(of: keys(context.codingPath), in: text)): field '\(field(context.codingPath))': expected \(type)"
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty {
                return "\(path): not valid JSON: \(context.underlyingError.map { "\($0)" } ?? context.debugDescription)"
            }
            return "\(path):\(line(of: keys(context.codingPath), in: text)): field '\(field(context.codingPath))': \(context.debugDescription)"
        @unknown default:
            return "\(path): \(error)"
        }
    }

    /// The 1-based line where the key path's last key appears (after its parents' keys, and
    /// at its `occurrence`-th appearance); 1 when not found. Good enough for pretty JSON.
    static func line(of keys: [String], in text: String, occurrence: Int = 0) -> Int {
        var position = text.startIndex
        for (i, key) in keys.enumerated() {
            var skip = i == keys.count - 1 ? occurrence : 0
            while let r = text.range(of: "\"\(key)\"", range: position..<text.endIndex) {
                position = r.upperBound
                if skip == 0 { break }
                skip -= 1
            }
        }
        return text[..<position].reduce(1) { $1 == "\n" ? $0 + 1 : $0 }
    }
}

extension TensorKernel {
    /// The case name: gemm, conv2d, attention, elementwise, reduction or sequence.
    public var kind: String {
        switch self {
        case .gemm: return "gemm"
        case .conv2d: return "conv2d"
        case .attention: return "attention"
        case .elementwise: return "elementwise"
        case .reduction: return "reduction"
        case .sequence: return "sequence"
        }
    }

    /// Its parameters in one readable line.
    public var shapeDescription: String {
        switch self {
        case .gemm(let m, let n, let k, let d): return "m=\(m) n=\(n) k=\(k) \(d.rawValue)"
        case .conv2d(let b, let ci, let co, let h, let w, let k, let s, let p, let d):
            return "batch=\(b) in=\(ci) out=\(co) \(h)x\(w) kernel=\(k) stride=\(s) pad=\(p) \(d.rawValue)"
        case .attention(let b, let h, let l, let d, let t): return "batch=\(b) heads=\(h) seq=\(l) dim=\(d) \(t.rawValue)"
        case .elementwise(let n, let f, let d): return "count=\(n) flops/element=\(f) \(d.rawValue)"
        case .reduction(let n, let d): return "count=\(n) \(d.rawValue)"
        case .sequence(let parts): return "[" + parts.map { "\($0.kind) \($0.shapeDescription)" }.joined(separator: "; ") + "]"
        }
    }

    /// Input elements a worker must hold before computing (operands, not results): what the
    /// reference runtime generates from a task's seed.
    public var inputElements: Int {
        switch self {
        case .gemm(let m, let n, let k, _): return m * k + k * n
        case .conv2d(let b, let ci, let co, let h, let w, let k, _, _, _): return b * ci * h * w + co * ci * k * k
        case .attention(let b, let h, let l, let d, _): return 3 * b * h * l * d
        case .elementwise(let n, _, _), .reduction(let n, _): return n
        case .sequence(let parts): return parts.reduce(0) { $0 + $1.inputElements }
        }
    }

    /// Output elements the reference runtime checksums after computing (what it returns).
    public var outputElements: Int {
        switch self {
        case .gemm(let m, let n, _, _): return m * n
        case .conv2d: let g = gemms[0]; return g.m * g.n
        case .attention(let b, let h, let l, let d, _): return b * h * l * d
        case .elementwise(let n, _, _): return n
        case .reduction: return 1
        case .sequence(let parts): return parts.reduce(0) { $0 + $1.outputElements }
        }
    }
}
