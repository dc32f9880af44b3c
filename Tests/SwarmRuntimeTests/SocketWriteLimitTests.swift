import Testing
import Foundation
import Crypto
@testable import SwarmRuntime

/// `Socket.writeAll` against a peer that never reads (docs/reliability.md, "a peer that stops
/// reading"): before its time limit it waited on the full buffer forever, blocking the
/// coordinator's loop (or a worker's sending thread).
@Suite("Socket write limit")
struct SocketWriteLimitTests {
    /// A connected pair of stream sockets with small buffers; the caller closes both.
    static func pair() throws -> (Int32, Int32) {
        var fds: [Int32] = [0, 0]
        try #require(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds) == 0)
        var small: Int32 = 4096
        for fd in fds {
            setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &small, socklen_t(MemoryLayout<Int32>.size))
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, socklen_t(MemoryLayout<Int32>.size))
        }
        return (fds[0], fds[1])
    }

    @Test("a write to a peer that never reads gives up after the limit and reports the connection lost",
          .timeLimit(.minutes(1)))
    func neverRead() throws {
        let (writer, reader) = try Self.pair()
        defer { close(writer); close(reader) }
        // 4 MiB: far more than both buffers hold (the kernel at most doubles the 4 KiB asked).
        let bytes = [UInt8](repeating: 7, count: 4 << 20)
        let limit = 0.3
        let start = Socket.monotonicSeconds()
        #expect(!Socket.writeAll(writer, bytes, limit: limit))
        let took = Socket.monotonicSeconds() - start
        #expect(took >= limit, "gave up after \(took) s, before the limit of \(limit) s")
        // One poll of at most 100 ms past the deadline, plus scheduling on a loaded machine.
        #expect(took < limit + 2, "took \(took) s for a limit of \(limit) s")
    }

    @Test("the default limit is Socket.sendLimit: a blocking socket whose peer never reads does not block the writer forever",
          .timeLimit(.minutes(1)))
    func defaultLimitOnBlockingSocket() throws {
        let (writer, reader) = try Self.pair()   // blocking: a plain send would wait in the kernel
        defer { close(writer); close(reader) }
        let start = Socket.monotonicSeconds()
        #expect(!Socket.writeAll(writer, [UInt8](repeating: 1, count: 4 << 20)))
        let took = Socket.monotonicSeconds() - start
        #expect(took >= Socket.sendLimit && took < Socket.sendLimit + 5, "took \(took) s; the limit is \(Socket.sendLimit) s")
    }

    @Test("a worker whose coordinator stops reading shuts its connection down after the limit, so its reading loop sees the connection end",
          .timeLimit(.minutes(1)))
    func workerLinkGivesUp() throws {
        let (worker, coordinator) = try Self.pair()
        defer { close(worker); close(coordinator) }
        let link = WorkerLink(device: 3, key: SymmetricKey(size: .bits256))
        link.attach(worker)   // says hello; the "coordinator" never reads
        let start = Socket.monotonicSeconds()
        var ended = false
        var sent = 0
        while !ended && Socket.monotonicSeconds() - start < 40 {
            link.send(.heartbeat(task: -1, attempt: 0))   // blocks up to Socket.sendLimit once the buffers are full
            sent += 1
            var byte: UInt8 = 0
            // What the worker's reading loop gets: 0 once the link shut the socket down.
            ended = recv(worker, &byte, 1, Int32(MSG_DONTWAIT)) == 0
        }
        let took = Socket.monotonicSeconds() - start
        #expect(ended, "after \(sent) heartbeats and \(took) s the connection was still open")
        #expect(took >= Socket.sendLimit && took < Socket.sendLimit + 10, "took \(took) s; the limit is \(Socket.sendLimit) s")
    }

    @Test("a peer that reads slowly but steadily gets every byte, in order", .timeLimit(.minutes(1)))
    func slowReader() throws {
        let (writer, reader) = try Self.pair()
        defer { close(writer); close(reader) }
        let bytes = (0..<(256 << 10)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let received = Received()
        let t = Thread {
            var buf = [UInt8](repeating: 0, count: 1024)
            while received.count < bytes.count {
                let n = buf.withUnsafeMutableBytes { recv(reader, $0.baseAddress!, $0.count, 0) }
                guard n > 0 else { break }
                received.append(buf[0..<n])
                usleep(200)
            }
            received.finish()
        }
        t.start()
        #expect(Socket.writeAll(writer, bytes, limit: 10))
        received.wait()
        #expect(received.bytes == bytes)
    }
}

/// Bytes collected by the reading thread of `slowReader`.
final class Received: @unchecked Sendable {
    private let lock = NSCondition()
    private var data: [UInt8] = []
    private var done = false
    var count: Int { lock.lock(); defer { lock.unlock() }; return data.count }
    var bytes: [UInt8] { lock.lock(); defer { lock.unlock() }; return data }
    func append(_ b: ArraySlice<UInt8>) { lock.lock(); data += b; lock.unlock() }
    func finish() { lock.lock(); done = true; lock.broadcast(); lock.unlock() }
    func wait() { lock.lock(); while !done { lock.wait() }; lock.unlock() }
}
