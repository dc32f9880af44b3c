import Foundation
import SwarmModel

/// A frame's payload, decoded. Each case names its direction.
public enum Message: Equatable, Sendable {
    /// Worker → coordinator, first frame on a connection: "I am device `frame.device`", with
    /// its host's clock domain (`ClockDomain.current`): when it is the coordinator's, the two
    /// read one CLOCK_MONOTONIC and can stamp emulated messages at their source.
    case hello(pid: UInt32, clock: UInt64 = 0)
    /// Coordinator → worker: how to emulate the device.
    case welcome(Welcome)
    /// Coordinator → worker: run attempt `attempt` of `task`.
    case assign(Assignment)
    /// Worker → coordinator, every heartbeat interval: alive, and what it runs (−1: nothing).
    case heartbeat(task: Int32, attempt: UInt16)
    /// Worker → coordinator: an attempt's checksum and when it computed (CLOCK_MONOTONIC s).
    case result(AttemptResult)
    /// Worker → coordinator: an attempt to submit work, which only the coordinator may do;
    /// it is refused and logged.
    case submit(TaskWork)
    /// Coordinator → worker: exit.
    case shutdown
    /// Worker → coordinator: the process was stopped (SIGSTOP … SIGCONT) while it held
    /// attempt `attempt` of `task`, so, like a device that went off, it lost that attempt's
    /// work; it returns no result for it and is idle again.
    case abandon(task: UInt32, attempt: UInt16)

    public struct Welcome: Equatable, Sendable {
        /// Speed relative to this machine, 0 < speed ≤ 1 (duty cycle).
        public var speed: Double
        public var adversarial: Bool
        /// Wall seconds between heartbeats; wall seconds per scenario second.
        public var heartbeatInterval: Double
        public var timeScale: Double
        public init(speed: Double, adversarial: Bool, heartbeatInterval: Double, timeScale: Double) {
            self.speed = speed; self.adversarial = adversarial
            self.heartbeatInterval = heartbeatInterval; self.timeScale = timeScale
        }
    }

    public struct Assignment: Equatable, Sendable {
        public var task: UInt32
        public var attempt: UInt16
        public var seed: UInt64
        public var work: TaskWork
        /// When the emulated network delivers it (the coordinator's CLOCK_MONOTONIC seconds),
        /// given only to a worker of the coordinator's clock domain, else −1. Such a worker
        /// gets the frame early and waits for this instant; one that got it late (written
        /// when due) counts its device's time from here all the same, so the delay before
        /// this process got the frame comes out of its duty cycle's idle part, as it would
        /// not exist on the device.
        public var due: Double
        public init(task: UInt32, attempt: UInt16, seed: UInt64, work: TaskWork, due: Double = -1) {
            self.task = task; self.attempt = attempt; self.seed = seed; self.work = work; self.due = due
        }
    }

    public struct AttemptResult: Equatable, Sendable {
        public var task: UInt32
        public var attempt: UInt16
        public var checksum: UInt64
        /// When the device started computing and when its time for the attempt ended (the
        /// worker's CLOCK_MONOTONIC): the end its duty cycle computed, not when the process
        /// woke up to send the result.
        public var computeStart: Double
        public var computeEnd: Double
        /// CPU seconds of the computation proper, and of the whole attempt (inputs,
        /// computation, checksum): what the duty cycle stretched, so `validate` can set what
        /// the workers really spent beside what the profile predicted (−1: not measured).
        public var kernelCPUSeconds: Double
        public var attemptCPUSeconds: Double
        public init(task: UInt32, attempt: UInt16, checksum: UInt64, computeStart: Double, computeEnd: Double,
                    kernelCPUSeconds: Double = -1, attemptCPUSeconds: Double = -1) {
            self.task = task; self.attempt = attempt; self.checksum = checksum
            self.computeStart = computeStart; self.computeEnd = computeEnd
            self.kernelCPUSeconds = kernelCPUSeconds; self.attemptCPUSeconds = attemptCPUSeconds
        }
    }

    public var kind: FrameKind {
        switch self {
        case .hello: return .hello
        case .welcome: return .welcome
        case .assign: return .assign
        case .heartbeat: return .heartbeat
        case .result: return .result
        case .submit: return .submit
        case .shutdown: return .shutdown
        case .abandon: return .abandon
        }
    }

    /// The payload bytes.
    public var payload: [UInt8] {
        var w = ByteWriter()
        switch self {
        case .hello(let pid, let clock): w.u32(pid); w.u64(clock)
        case .welcome(let m):
            w.f64(m.speed); w.u8(m.adversarial ? 1 : 0); w.f64(m.heartbeatInterval); w.f64(m.timeScale)
        case .assign(let a):
            w.u32(a.task); w.u16(a.attempt); w.u64(a.seed); w.f64(a.due); Message.write(a.work, into: &w)
        case .heartbeat(let t, let a): w.u32(UInt32(bitPattern: t)); w.u16(a)
        case .result(let r):
            w.u32(r.task); w.u16(r.attempt); w.u64(r.checksum); w.f64(r.computeStart); w.f64(r.computeEnd)
            w.f64(r.kernelCPUSeconds); w.f64(r.attemptCPUSeconds)
        case .submit(let work): Message.write(work, into: &w)
        case .shutdown: break
        case .abandon(let t, let a): w.u32(t); w.u16(a)
        }
        return w.bytes
    }

    /// A frame carrying this message to or from device `device`.
    public func frame(device: Int, sequence: UInt64) -> Frame {
        Frame(kind: kind, device: UInt32(device), sequence: sequence, payload: payload)
    }

    /// Decodes a frame's payload; throws naming the kind and the field that is short or bad.
    public init(_ frame: Frame) throws(ProtocolError) {
        var r = ByteReader(frame.payload)
        let k = frame.kind
        switch k {
        case .hello:
            let pid = r.u32(), clock = r.u64()
            self = .hello(pid: pid, clock: clock)
        case .welcome:
            let speed = r.f64(), adv = r.u8(), hb = r.f64(), scale = r.f64()
            self = .welcome(Welcome(speed: speed, adversarial: adv != 0, heartbeatInterval: hb, timeScale: scale))
        case .assign:
            let t = r.u32(), a = r.u16(), seed = r.u64(), due = r.f64()
            self = .assign(Assignment(task: t, attempt: a, seed: seed, work: try Message.readWork(&r, kind: k), due: due))
        case .heartbeat:
            let t = Int32(bitPattern: r.u32()), a = r.u16()
            self = .heartbeat(task: t, attempt: a)
        case .result:
            let t = r.u32(), a = r.u16(), c = r.u64(), s = r.f64(), e = r.f64(), k = r.f64(), all = r.f64()
            self = .result(AttemptResult(task: t, attempt: a, checksum: c, computeStart: s, computeEnd: e,
                                         kernelCPUSeconds: k, attemptCPUSeconds: all))
        case .submit: self = .submit(try Message.readWork(&r, kind: k))
        case .shutdown: self = .shutdown
        case .abandon:
            let t = r.u32(), a = r.u16()
            self = .abandon(task: t, attempt: a)
        }
        guard !r.overrun else { throw .truncated(kind: k, bytes: frame.payload.count) }
        guard r.remaining == 0 || k == .assign || k == .submit else { throw .trailing(kind: k, bytes: r.remaining) }
    }

    static func write(_ work: TaskWork, into w: inout ByteWriter) {
        switch work {
        case .seconds(let s): w.u8(0); w.f64(s)
        case .kernel(let k):
            w.u8(1)
            w.bytes.append(contentsOf: (try? JSONEncoder().encode(k)).map(Array.init) ?? [])
        }
    }

    static func readWork(_ r: inout ByteReader, kind: FrameKind) throws(ProtocolError) -> TaskWork {
        switch r.u8() {
        case 0:
            let s = r.f64()
            guard s.isFinite && s >= 0 else { throw .badField(kind: kind, field: "work.seconds", expected: "finite seconds ≥ 0, got \(s)") }
            return .seconds(s)
        case 1:
            guard let k = try? JSONDecoder().decode(TensorKernel.self, from: Data(r.rest())) else {
                throw .badField(kind: kind, field: "work.kernel", expected: "a TensorKernel as JSON")
            }
            return .kernel(k)
        case let tag:
            throw .badField(kind: kind, field: "work", expected: "tag 0 (seconds) or 1 (kernel), got \(tag)")
        }
    }
}

/// An authenticated frame whose payload does not decode.
public enum ProtocolError: Error, Equatable, CustomStringConvertible {
    case truncated(kind: FrameKind, bytes: Int)
    case trailing(kind: FrameKind, bytes: Int)
    case badField(kind: FrameKind, field: String, expected: String)

    public var description: String {
        switch self {
        case .truncated(let k, let n): return "\(k) payload of \(n) bytes is too short"
        case .trailing(let k, let n): return "\(k) payload has \(n) bytes left over"
        case .badField(let k, let f, let e): return "\(k) field '\(f)': expected \(e)"
        }
    }
}
