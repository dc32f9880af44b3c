import SwarmKernel

/// Moves pieces between devices over a shared network for the storage engine: each piece a
/// flow from one device to another, sharing links with every other transfer. When the piece
/// has arrived, the transport calls `StorageEngine.pieceArrived(repair:)`.
public protocol PieceTransport: AnyObject {
    func movePiece(bytes: Double, from a: Int, to b: Int, repair job: Int)
}

/// The phases of a repair on a shared network: the read's latency, its k pieces flowing to
/// the repairer, the write's latency, the new pieces flowing out to the other targets.
enum RepairPhase: UInt8 { case readLatency, reading, writeLatency, writing }

/// Repair on a shared network (`StorageEngine.transport`, set when the work engine's
/// transfers are flows): the read's latency part (the largest over the k sources of the
/// one-way latency plus both access latencies), then each of the k pieces a flow from its
/// source to the repairer; then the write's latency part, then one piece a flow from the
/// repairer to each other target. Its time is measured, not computed (`repairSeconds`); its
/// energy keeps the formula's transfer times.
extension StorageEngine {
    /// Starts job j's read: its latency first.
    func startOnNetwork(_ j: Int, sources: [Int]) {
        let repairer = Int(repairs.targets[repairs.targets(of: j).lowerBound])
        var latency = 0.0
        for i in sources.indices {
            repairs.sources[j * repairs.sourceStride + i] = UInt32(sources[i])
            latency = max(latency, transferSeconds(bytes: 0, from: sources[i], to: repairer, rate: 1))
        }
        repairs.sourceCount[j] = sources.count
        repairs.phase[j] = .readLatency
        repairs.startedAt[j] = sim.now.ticks
        _ = sim.schedule(kinds.repairPhase, target: UInt32(j), after: SimDuration(seconds: latency))
    }

    /// Job j's latency is over: its pieces start flowing.
    func latencyOver(_ j: Int) {
        let targets = repairs.targets(of: j)
        let repairer = Int(repairs.targets[targets.lowerBound])
        let piece = groupPieceBytes[group(ofSegment: repairs.segment[j])]
        if repairs.phase[j] == .readLatency {
            repairs.phase[j] = .reading
            repairs.piecesLeft[j] = repairs.sourceCount[j]
            for i in 0..<repairs.sourceCount[j] {
                transport!.movePiece(bytes: piece, from: Int(repairs.sources[j * repairs.sourceStride + i]), to: repairer, repair: j)
            }
        } else {
            repairs.phase[j] = .writing
            repairs.piecesLeft[j] = targets.count - 1
            for i in targets.dropFirst() { transport!.movePiece(bytes: piece, from: repairer, to: Int(repairs.targets[i]), repair: j) }
        }
    }

    /// One piece of repair job j has arrived (called by the transport).
    public func pieceArrived(repair j: Int) {
        repairs.piecesLeft[j] -= 1
        guard repairs.piecesLeft[j] == 0 else { return }
        let targets = repairs.targets(of: j)
        if repairs.phase[j] == .reading && targets.count > 1 {
            // The read is over: the write's latency, then the new pieces out of the repairer.
            let repairer = Int(repairs.targets[targets.lowerBound])
            var latency = 0.0
            for i in targets.dropFirst() { latency = max(latency, transferSeconds(bytes: 0, from: repairer, to: Int(repairs.targets[i]), rate: 1)) }
            repairs.phase[j] = .writeLatency
            _ = sim.schedule(kinds.repairPhase, target: UInt32(j), after: SimDuration(seconds: latency))
            return
        }
        metrics.repairSeconds += (sim.now - SimTime(ticks: repairs.startedAt[j])).seconds
        repairDone(j)
    }
}
