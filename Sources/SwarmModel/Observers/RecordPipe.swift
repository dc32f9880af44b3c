import Foundation
import SwarmKernel

/// Carries a run's engine records to an observer on a second thread, so that recording (the
/// `RunRecorder`'s bookkeeping per record) runs beside the engine instead of inside it.
///
/// A bounded single-producer / single-consumer queue of record chunks: the engine's thread
/// (the producer) appends each record to the chunk it fills; a full chunk is handed over and
/// the next free one taken. The consumer thread applies each chunk's records, in order, to
/// `consume`, then hands the chunk back. There are `chunkCount` chunks of `chunkSize` records,
/// allocated once: nothing is allocated per record or per chunk, and the lock is taken once per
/// chunk. The engine waits only when every chunk is full (the consumer is behind).
///
/// The consumer sees exactly the records the engine emitted, in the engine's order, so what
/// it computes is bit-identical to calling it inline (`ScenarioRunner`'s `threads: 1`).
/// `finish()` hands over the last, partial chunk and waits until the consumer has applied
/// every record; after it returns the observer may be read from the calling thread.
///
/// Use from one producer thread only, and call `finish()` once the run is over (until then
/// the consumer thread keeps the pipe alive). The consumer must not touch the engine (the
/// recorder reads the engine only in its initializer).
public final class RecordPipe: @unchecked Sendable {
    public typealias Record = WorkEngine.Record

    /// Records per chunk (4096 × 32 bytes: a chunk stays within a core's L2 cache).
    public let chunkSize: Int
    /// Chunks in the ring: how far the engine may run ahead of the consumer.
    public let chunkCount: Int

    private let storage: UnsafeMutablePointer<Record>
    private var counts: [Int]
    private let consume: (Record) -> Void
    private let condition = NSCondition()
    // Guarded by `condition`: chunks filled and not yet consumed; the next to consume; closed.
    private var filled = 0
    private var readIndex = 0
    private var closed = false
    private var consumerDone = false
    // Producer-only: the chunk being filled and how many records it holds.
    private var writeIndex = 0
    private var fill = 0
    private var finished = false
    private var thread: Thread?

    /// Records handed to the consumer so far (the producer's count).
    public private(set) var recordsSent: UInt64 = 0

    /// Starts the consumer thread, which applies each record to `consume`.
    public init(chunkSize: Int = 4096, chunkCount: Int = 8, consume: @escaping (Record) -> Void) {
        precondition(chunkSize > 0 && chunkCount >= 2, "a record pipe needs chunks of at least one record, and two chunks")
        self.chunkSize = chunkSize
        self.chunkCount = chunkCount
        self.consume = consume
        storage = .allocate(capacity: chunkSize * chunkCount)
        counts = [Int](repeating: 0, count: chunkCount)
        // The thread holds the pipe until `finish()` lets it end.
        let t = Thread { self.consumerLoop() }
        t.name = "swarmlab-recorder"
        t.stackSize = 1 << 20
        thread = t
        t.start()
    }

    deinit { storage.deallocate() }

    /// Appends one record (the engine's thread). Waits only when every chunk is full.
    @inline(__always) public func send(_ r: Record) {
        (storage + writeIndex * chunkSize + fill).initialize(to: r)
        fill += 1
        if fill == chunkSize { handOver() }
    }

    /// Hands over the records not yet sent and waits until the consumer has applied all of
    /// them; the consumer thread then ends. Calling it again does nothing.
    public func finish() {
        guard !finished else { return }
        finished = true
        if fill > 0 { handOver() }
        condition.lock()
        closed = true
        condition.broadcast()
        while !consumerDone { condition.wait() }
        condition.unlock()
        thread = nil
    }

    // MARK: internals

    private func handOver() {
        recordsSent += UInt64(fill)
        condition.lock()
        counts[writeIndex] = fill
        filled += 1
        condition.signal()
        // Every chunk full: wait for the consumer to give one back.
        while filled == chunkCount { condition.wait() }
        condition.unlock()
        writeIndex = (writeIndex + 1) % chunkCount
        fill = 0
    }

    private func consumerLoop() {
        while true {
            condition.lock()
            while filled == 0 && !closed { condition.wait() }
            if filled == 0 {   // closed and drained
                consumerDone = true
                condition.broadcast()
                condition.unlock()
                return
            }
            let chunk = readIndex, n = counts[chunk]
            condition.unlock()
            let base = storage + chunk * chunkSize
            for i in 0..<n { consume(base[i]) }
            (base).deinitialize(count: n)
            condition.lock()
            readIndex = (readIndex + 1) % chunkCount
            filled -= 1
            condition.signal()
            condition.unlock()
        }
    }
}
