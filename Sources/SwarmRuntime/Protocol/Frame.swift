import Crypto

/// What a frame carries. Workers send `hello`, `heartbeat`, `result`, `abandon` (and may try
/// `submit`, which the coordinator refuses); the coordinator sends `welcome`, `assign`, `shutdown`.
public enum FrameKind: UInt8, Sendable, CaseIterable {
    case hello = 1, welcome, assign, heartbeat, result, submit, shutdown, abandon

    /// Whether a worker may send this kind (the coordinator drops the others from workers).
    public var fromWorker: Bool {
        switch self {
        case .hello, .heartbeat, .result, .submit, .abandon: return true
        case .welcome, .assign, .shutdown: return false
        }
    }
}

/// One message on the wire. Layout (big-endian, `docs/runtime.md`):
///
/// | offset | size | field |
/// |---:|---:|---|
/// | 0 | 4 | magic `SWRM` |
/// | 4 | 2 | protocol version (`runtimeProtocolVersion`) |
/// | 6 | 1 | kind (`FrameKind`) |
/// | 7 | 1 | reserved, 0 |
/// | 8 | 4 | device id (sender for worker frames, addressee for coordinator frames) |
/// | 12 | 8 | sequence number, increasing per connection and direction (each accepted once: `ReplayWindow`) |
/// | 20 | 4 | payload length n (≤ `maxPayload`) |
/// | 24 | n | payload |
/// | 24+n | 32 | HMAC-SHA256 over bytes 0..<24+n, with the device's key |
public struct Frame: Equatable, Sendable {
    public var kind: FrameKind
    public var device: UInt32
    public var sequence: UInt64
    public var payload: [UInt8]

    public static let magic: UInt32 = 0x5357_524D   // "SWRM"
    public static let headerSize = 24
    public static let tagSize = 32
    public static let maxPayload = 1 << 16

    public init(kind: FrameKind, device: UInt32, sequence: UInt64, payload: [UInt8] = []) {
        precondition(payload.count <= Frame.maxPayload, "frame payload of \(payload.count) bytes exceeds \(Frame.maxPayload)")
        self.kind = kind; self.device = device; self.sequence = sequence; self.payload = payload
    }

    /// The frame's bytes, authenticated with `key`. `version` is a parameter only so tests can
    /// forge a frame of another version.
    public func encoded(key: SymmetricKey, version: UInt16 = runtimeProtocolVersion) -> [UInt8] {
        var w = ByteWriter()
        w.u32(Frame.magic); w.u16(version); w.u8(kind.rawValue); w.u8(0)
        w.u32(device); w.u64(sequence); w.u32(UInt32(payload.count))
        w.bytes.append(contentsOf: payload)
        let tag = HMAC<SHA256>.authenticationCode(for: w.bytes, using: key)
        w.bytes.append(contentsOf: tag)
        return w.bytes
    }
}

/// Why a frame was dropped. `closesConnection` errors leave the byte stream unreadable (or
/// the peer unfit to talk to): the connection is closed; the others drop one frame.
public enum FrameError: Error, Equatable, CustomStringConvertible {
    case badMagic(UInt32)
    case wrongVersion(UInt16)
    case tooLong(Int)
    case unknownDevice(UInt32)
    case badMAC(device: UInt32, sequence: UInt64)
    case unknownKind(UInt8)

    public var closesConnection: Bool {
        switch self {
        case .badMagic, .wrongVersion, .tooLong: return true
        case .unknownDevice, .badMAC, .unknownKind: return false
        }
    }

    public var description: String {
        switch self {
        case .badMagic(let m): return "bad magic 0x\(String(m, radix: 16)); expected 0x\(String(Frame.magic, radix: 16)) ('SWRM')"
        case .wrongVersion(let v): return "protocol version \(v); expected \(runtimeProtocolVersion)"
        case .tooLong(let n): return "payload length \(n); expected at most \(Frame.maxPayload)"
        case .unknownDevice(let d): return "device id \(d) is not part of this run"
        case .badMAC(let d, let s): return "HMAC-SHA256 check failed (claims device \(d), sequence \(s))"
        case .unknownKind(let k): return "unknown frame kind \(k); expected 1...\(FrameKind.allCases.count)"
        }
    }
}

/// Cuts a byte stream into authenticated frames. Consumed bytes are skipped by an offset
/// and compacted away in bulk, so a burst of n frames costs O(n), not O(n²).
public struct FrameDecoder {
    var buffer: [UInt8] = []
    var head = 0
    public init() {}

    /// Bytes waiting for the rest of their frame.
    public var pending: Int { buffer.count - head }

    public mutating func append<S: Sequence>(_ bytes: S) where S.Element == UInt8 {
        if head > 0 && (head >= 65536 || head * 2 >= buffer.count) {
            buffer.removeFirst(head)
            head = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// The next whole frame, or nil until more bytes arrive. A frame that fails a check is
    /// consumed and thrown as a `FrameError`; after an error that `closesConnection`, the
    /// buffer is emptied (the stream cannot be resynchronised).
    /// - Parameter key: the key of a device id, nil for ids outside the run.
    public mutating func next(key: (UInt32) -> SymmetricKey?) throws(FrameError) -> Frame? {
        guard pending >= Frame.headerSize else { return nil }
        var r = ByteReader(buffer[head..<(head + Frame.headerSize)])
        let magic = r.u32(), version = r.u16(), kind = r.u8(); _ = r.u8()
        let device = r.u32(), sequence = r.u64(), length = Int(r.u32())
        guard magic == Frame.magic else { clear(); throw .badMagic(magic) }
        guard version == runtimeProtocolVersion else { clear(); throw .wrongVersion(version) }
        guard length <= Frame.maxPayload else { clear(); throw .tooLong(length) }
        let total = Frame.headerSize + length + Frame.tagSize
        guard pending >= total else { return nil }
        let bodyEnd = head + Frame.headerSize + length
        let body = buffer[head..<bodyEnd]
        let tag = buffer[bodyEnd..<(head + total)]
        head += total
        guard let k = key(device) else { throw .unknownDevice(device) }
        guard HMAC<SHA256>.isValidAuthenticationCode(tag, authenticating: body, using: k) else {
            throw .badMAC(device: device, sequence: sequence)
        }
        guard let kind = FrameKind(rawValue: kind) else { throw .unknownKind(kind) }
        return Frame(kind: kind, device: device, sequence: sequence, payload: Array(body.dropFirst(Frame.headerSize)))
    }

    mutating func clear() { buffer.removeAll(); head = 0 }
}

/// The keys of one run: a fresh random secret, and per device a key derived from it
/// (HMAC-SHA256(secret, "swarmlab-device" ‖ id)), so a worker holds only its own key and
/// cannot speak for another device.
public struct RunKeys: Sendable {
    let secretBytes: [UInt8]
    var secret: SymmetricKey { SymmetricKey(data: secretBytes) }

    /// A fresh random secret (256 bits from the system's CSPRNG).
    public init() { secretBytes = SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) } }
    public init(secret: [UInt8]) { secretBytes = secret }

    /// Device `d`'s key bytes (what its worker is given).
    public func deviceKeyBytes(_ d: Int) -> [UInt8] {
        var w = ByteWriter()
        w.bytes.append(contentsOf: Array("swarmlab-device".utf8)); w.u32(UInt32(d))
        return Array(HMAC<SHA256>.authenticationCode(for: w.bytes, using: secret))
    }

    public func deviceKey(_ d: Int) -> SymmetricKey { SymmetricKey(data: deviceKeyBytes(d)) }
}

/// Big-endian writer for frame fields.
public struct ByteWriter {
    public var bytes: [UInt8] = []
    public init() {}
    public mutating func u8(_ v: UInt8) { bytes.append(v) }
    public mutating func u16(_ v: UInt16) { for s in stride(from: 8, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: v >> UInt16(s))) } }
    public mutating func u32(_ v: UInt32) { for s in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: v >> UInt32(s))) } }
    public mutating func u64(_ v: UInt64) { for s in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: v >> UInt64(s))) } }
    public mutating func f64(_ v: Double) { u64(v.bitPattern) }
}

/// Big-endian reader for frame fields; reading past the end yields zeros and sets `overrun`
/// (messages check it once and name the field).
public struct ByteReader {
    let bytes: ArraySlice<UInt8>
    var offset: Int
    public private(set) var overrun = false
    public init(_ bytes: ArraySlice<UInt8>) { self.bytes = bytes; offset = bytes.startIndex }
    public init(_ bytes: [UInt8]) { self.init(bytes[...]) }
    public var remaining: Int { bytes.endIndex - offset }

    mutating func take(_ n: Int) -> ArraySlice<UInt8>? {
        guard remaining >= n else { overrun = true; offset = bytes.endIndex; return nil }
        defer { offset += n }
        return bytes[offset..<(offset + n)]
    }
    mutating func uint(_ n: Int) -> UInt64 {
        guard let s = take(n) else { return 0 }
        return s.reduce(0) { $0 << 8 | UInt64($1) }
    }
    public mutating func u8() -> UInt8 { UInt8(uint(1)) }
    public mutating func u16() -> UInt16 { UInt16(uint(2)) }
    public mutating func u32() -> UInt32 { UInt32(uint(4)) }
    public mutating func u64() -> UInt64 { uint(8) }
    public mutating func f64() -> Double { Double(bitPattern: uint(8)) }
    public mutating func rest() -> [UInt8] { Array(take(remaining) ?? []) }
}
