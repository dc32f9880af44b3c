import SwarmKernel
import SwarmModel

extension ScenarioRunner {
    /// One line per policy and elastic pool — its moves and its bill — for a terminal; empty
    /// without pools.
    public static func poolSummary(_ results: [PolicyResult]) -> String {
        var text = ""
        for r in results {
            for b in r.pools {
                text += "\(r.policy): pool \(b.name): peak \(b.peakSize) devices, \(b.scaleUps) scale-ups, \(b.scaleDowns) scale-downs, "
                    + "\(fixed(b.provisionedSeconds / 3600, 2)) h provisioned, \(fixed(b.billedSeconds / 3600, 2)) h billed, $\(fixed(b.usd, 2))\n"
            }
        }
        return text.isEmpty ? "" : "\nElastic pools (scale events in /elastic of the results file):\n" + text
    }
}
