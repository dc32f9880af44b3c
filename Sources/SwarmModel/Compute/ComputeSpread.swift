import Foundation
import SwarmKernel

/// The variation of compute times from one call to the next, as a log-normal factor of mean
/// 1 with a given relative standard deviation: the rule `WorkEngine` applies to each kernel
/// attempt when `Configuration.computeSpread` is set.
public enum ComputeSpread {
    /// The factor for task `t` on device `d` when `attempts` attempts of it have started: a
    /// counter-based draw keyed by the three (replicas out at once differ by device, a task
    /// run again by its count), so it does not depend on the order events happen in.
    public static func factor(relativeDeviation cv: Double, streams: RandomStreams, task t: Int, device d: Int, attempts: Int) -> Double {
        guard cv > 0 else { return 1 }
        var g = streams.counterStream("compute-spread", entity: UInt64(t) << 20 | UInt64(attempts & 0xFFFFF), block: UInt64(d))
        // Box–Muller: one standard normal from two uniforms (the first kept away from 0).
        let u1 = max(g.nextUnit(), 0x1p-53), u2 = g.nextUnit()
        let z = (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
        let sigma2 = log(1 + cv * cv)
        return exp(sigma2.squareRoot() * z - sigma2 / 2)
    }
}
