import Testing
import Crypto
import SwarmModel
@testable import SwarmRuntime

func hex(_ bytes: some Sequence<UInt8>) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

@Suite("wire protocol")
struct ProtocolTests {
    @Test("the protocol version is 2 (abandon added)")
    func versionIsTwo() {
        #expect(runtimeProtocolVersion == 2)
    }

    @Test("HMAC-SHA256 matches RFC 4231 test cases 1 and 2")
    func rfc4231() {
        let case1 = HMAC<SHA256>.authenticationCode(for: Array("Hi There".utf8),
                                                     using: SymmetricKey(data: [UInt8](repeating: 0x0b, count: 20)))
        #expect(hex(case1) == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
        let case2 = HMAC<SHA256>.authenticationCode(for: Array("what do ya want for nothing?".utf8),
                                                     using: SymmetricKey(data: Array("Jefe".utf8)))
        #expect(hex(case2) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    @Test("a frame's bytes follow the documented layout, with the HMAC over header and payload")
    func layout() {
        let key = SymmetricKey(data: Array("Jefe".utf8))
        let bytes = Frame(kind: .heartbeat, device: 7, sequence: 0x0102_0304_0506_0708, payload: [0xAA, 0xBB]).encoded(key: key)
        #expect(bytes.count == Frame.headerSize + 2 + Frame.tagSize)
        #expect(hex(bytes[0..<24]) == "5357524d" + "0002" + "04" + "00" + "00000007" + "0102030405060708" + "00000002")
        #expect(Array(bytes[24..<26]) == [0xAA, 0xBB])
        #expect(hex(bytes[26...]) == hex(HMAC<SHA256>.authenticationCode(for: Array(bytes[0..<26]), using: key)))
    }

    static let messages: [Message] = [
        .hello(pid: 4242),
        .welcome(.init(speed: 0.5, adversarial: true, heartbeatInterval: 0.25, timeScale: 0.1)),
        .assign(.init(task: 3, attempt: 2, seed: 99, work: .seconds(1.5))),
        .assign(.init(task: 4, attempt: 1, seed: 7, work: .kernel(.gemm(m: 64, n: 32, k: 16, dtype: .fp32)))),
        .heartbeat(task: -1, attempt: 0),
        .heartbeat(task: 12, attempt: 3),
        .result(.init(task: 5, attempt: 1, checksum: 0xDEAD_BEEF_F00D, computeStart: 12.5, computeEnd: 13.25)),
        .submit(.kernel(.attention(batch: 1, heads: 2, seqLen: 16, headDim: 8, dtype: .fp32))),
        .assign(.init(task: 7, attempt: 1, seed: 3, work: .kernel(LayerPresets.transformerBlock(dModel: 64, heads: 4, seq: 16, dtype: .bf16)))),
        .shutdown,
        .abandon(task: 6, attempt: 2),
    ]

    @Test("the longest sequence a scenario may give (256 parts, every size at its largest) fits one assignment frame")
    func longestSequenceFits() {
        let n = 1 << 24   // ScenarioParser.maxDimension for non-GEMM sizes
        let conv = TensorKernel.conv2d(batch: n, inChannels: n, outChannels: n, height: n, width: n, kernel: n, stride: n, padding: n, dtype: .int8)
        let payload = Message.assign(.init(task: .max, attempt: .max, seed: .max, work: .kernel(.sequence(Array(repeating: conv, count: 256))))).payload
        #expect(payload.count <= Frame.maxPayload)
    }

    @Test("every message survives encode → frame → decode, fed one byte at a time", arguments: messages)
    func roundTrip(_ message: Message) throws {
        let keys = RunKeys(secret: Array(repeating: 1, count: 32))
        let bytes = message.frame(device: 2, sequence: 9).encoded(key: keys.deviceKey(2))
        var decoder = FrameDecoder()
        var frames: [Frame] = []
        for b in bytes {
            decoder.append([b])
            if let f = try decoder.next(key: { $0 == 2 ? keys.deviceKey(2) : nil }) { frames.append(f) }
        }
        #expect(frames.count == 1)
        #expect(frames.first?.sequence == 9 && frames.first?.device == 2)
        #expect(try Message(#require(frames.first)) == message)
        #expect(decoder.pending == 0)
    }

    @Test("frames split and batched arbitrarily come out whole and in order, across compactions")
    func streaming() throws {
        let key = SymmetricKey(data: Array(repeating: 5, count: 32))
        var stream: [UInt8] = []
        for i in 1...2000 { stream += Message.heartbeat(task: Int32(i), attempt: 1).frame(device: 1, sequence: UInt64(i)).encoded(key: key) }
        var decoder = FrameDecoder()
        var seen: [UInt64] = []
        var offset = 0, chunk = 1
        while offset < stream.count {
            let end = min(stream.count, offset + chunk)
            decoder.append(stream[offset..<end])
            offset = end
            chunk = chunk * 7 % 997 + 1   // 1, 8, 57, …: sizes that cut frames anywhere
            while let f = try decoder.next(key: { _ in key }) { seen.append(f.sequence) }
        }
        #expect(seen == Array(1...2000))
        #expect(decoder.pending == 0)
    }

    func decode(_ bytes: [UInt8], key: SymmetricKey) -> Result<Frame?, FrameError> {
        var d = FrameDecoder()
        d.append(bytes)
        do { return .success(try d.next { _ in key }) } catch { return .failure(error) }
    }

    @Test("a flipped byte anywhere in header, payload or tag fails the HMAC (or the framing)")
    func flippedByte() {
        let key = SymmetricKey(data: Array(repeating: 3, count: 32))
        let bytes = Message.result(.init(task: 1, attempt: 1, checksum: 5, computeStart: 1, computeEnd: 2))
            .frame(device: 0, sequence: 1).encoded(key: key)
        for i in bytes.indices {
            var bad = bytes
            bad[i] ^= 0x10
            // (more bytes follow in a stream: a flipped length then spans them, and still fails)
            switch decode(bad + [UInt8](repeating: 0, count: Frame.maxPayload + 64), key: key) {
            case .success(let f): Issue.record("byte \(i) flipped yet decoded: \(String(describing: f))")
            case .failure: break
            }
        }
        if case .failure(let e) = decode({ var b = bytes; b[30] ^= 1; return b }(), key: key) {
            #expect(e == .badMAC(device: 0, sequence: 1))
            #expect(!e.closesConnection)
        } else { Issue.record("payload flip not caught") }
    }

    @Test("the wrong key, a wrong version, bad magic and an oversized length are refused")
    func refusals() {
        let key = SymmetricKey(data: Array(repeating: 3, count: 32))
        let frame = Message.hello(pid: 1).frame(device: 0, sequence: 1)
        #expect(decode(frame.encoded(key: SymmetricKey(data: Array(repeating: 4, count: 32))), key: key)
                == .failure(.badMAC(device: 0, sequence: 1)))
        let v1 = decode(frame.encoded(key: key, version: 1), key: key)   // a peer from before `abandon`
        #expect(v1 == .failure(.wrongVersion(1)))
        #expect(FrameError.wrongVersion(1).closesConnection)
        var magic = frame.encoded(key: key); magic[0] = 0x47
        #expect(decode(magic, key: key) == .failure(.badMagic(0x4757_524D)))
        var long = frame.encoded(key: key); long[20] = 0x7F
        if case .failure(.tooLong) = decode(long, key: key) {} else { Issue.record("oversized length not refused") }
        var d = FrameDecoder(); d.append(frame.encoded(key: key))
        var unknown: FrameError?
        do { _ = try d.next { _ in nil } } catch { unknown = error }
        #expect(unknown == .unknownDevice(0))
    }

    @Test("a truncated payload is a protocol error naming the message kind")
    func truncated() {
        let f = Frame(kind: .result, device: 0, sequence: 1, payload: [1, 2, 3])
        #expect(throws: ProtocolError.truncated(kind: .result, bytes: 3)) { try Message(f) }
        #expect(ProtocolError.truncated(kind: .result, bytes: 3).description.contains("result"))
        let badWork = Frame(kind: .assign, device: 0, sequence: 1, payload: Message.assign(.init(task: 0, attempt: 1, seed: 0, work: .seconds(1))).payload.dropLast(9) + [9])
        #expect(throws: ProtocolError.self) { try Message(badWork) }
    }

    @Test("device keys are derived per device from the run's secret; fresh secrets differ")
    func keys() {
        let k = RunKeys(secret: Array(repeating: 7, count: 32))
        #expect(k.deviceKeyBytes(0) != k.deviceKeyBytes(1))
        #expect(k.deviceKeyBytes(1) == RunKeys(secret: Array(repeating: 7, count: 32)).deviceKeyBytes(1))
        #expect(RunKeys().deviceKeyBytes(0) != RunKeys().deviceKeyBytes(0))
        #expect(k.deviceKeyBytes(0).count == 32)
    }
}

@Suite("worker compute")
struct WorkerComputeTests {
    @Test("the same seed gives the same checksum; another seed or a corruption changes it",
          arguments: [TaskWork.seconds(0.001), .kernel(.gemm(m: 33, n: 17, k: 9, dtype: .fp32)),
                      .kernel(.conv2d(batch: 1, inChannels: 2, outChannels: 4, height: 8, width: 8, kernel: 3, stride: 1, padding: 1, dtype: .fp32)),
                      .kernel(.attention(batch: 1, heads: 2, seqLen: 8, headDim: 4, dtype: .fp32))])
    func deterministic(_ work: TaskWork) {
        var c = WorkerCompute()
        let a = c.run(work, seed: 11, timeScale: 1).checksum
        #expect(a == c.run(work, seed: 11, timeScale: 1).checksum)
        #expect(a != c.run(work, seed: 12, timeScale: 1).checksum)
        let lie3 = c.run(work, seed: 11, timeScale: 1, corruption: Corruption(seed: 3)).checksum
        #expect(lie3 != a)
        #expect(lie3 != c.run(work, seed: 11, timeScale: 1, corruption: Corruption(seed: 4)).checksum)
    }

    @Test("busy compute lasts its seconds times the time scale, and says so")
    func busySeconds() {
        var c = WorkerCompute()
        let t0 = monotonicNow()
        let out = c.run(.seconds(0.5), seed: 1, timeScale: 0.1)
        #expect(monotonicNow() - t0 >= 0.05 && out.computeSeconds >= 0.05)
    }
}
