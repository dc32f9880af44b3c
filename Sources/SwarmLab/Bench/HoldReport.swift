import Foundation

extension HoldComparison {
    /// The results as a Markdown section: a table, the command, the machine, the date.
    public static func markdown(_ rows: [Row], operations: Int, repeats: Int, command: String) -> String {
        let peerNames = Array(Set(rows.flatMap { $0.peers.map(\.implementation) })).sorted()
        var md = "| pending N | Swarmlab events/s | Swarmlab peak RSS | C events/s | C peak RSS | **Swarmlab / C** |"
        var rule = "|---:|---:|---:|---:|---:|---:|"
        for p in peerNames { md += " \(p) events/s | \(p) peak RSS | Swarmlab / \(p) |"; rule += "---:|---:|---:|" }
        md += "\n" + rule + "\n"
        for r in rows {
            md += "| \(grouped(r.pending)) | \(grouped(Int(r.swarmlab.eventsPerSecond))) | \(mib(r.swarmlab.peakRSSKiB)) "
            if let c = r.c {
                md += "| \(grouped(Int(c.eventsPerSecond))) | \(mib(c.peakRSSKiB)) | **\(fixed(r.ratioToC!, 2))×** |"
            } else {
                md += "| – | – | – |"
            }
            for p in peerNames {
                if let s = r.peers.first(where: { $0.implementation == p }) {
                    md += " \(grouped(Int(s.eventsPerSecond))) | \(mib(s.peakRSSKiB)) | \(fixed(r.swarmlab.eventsPerSecond / s.eventsPerSecond, 1))× |"
                } else {
                    md += " not run | | |"
                }
            }
            md += "\n"
        }
        let host = ProcessInfo.processInfo.hostName
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let memory = ProcessInfo.processInfo.physicalMemory >> 30
        let date = ISO8601DateFormatter().string(from: Date())
        md += """

        \(grouped(operations)) hold operations per run (peers: about 2,000,000), median of \(repeats) \
        alternating runs for Swarmlab and C, one run per peer; each run in its own process, \
        peak RSS is that process's. Machine: \(host), \(cores) cores, \(memory) GiB, \(date).
        Command: `\(command)`

        """
        return md
    }

    /// A readable summary for a terminal.
    public static func summary(_ rows: [Row]) -> String {
        var s = "pending N     Swarmlab events/s   C events/s   Swarmlab/C   peers (events/s)\n"
        for r in rows {
            let peers = r.peers.map { "\($0.implementation) \(formatRate($0.eventsPerSecond))" }.joined(separator: ", ")
            s += grouped(r.pending).padding(toLength: 14, withPad: " ", startingAt: 0)
            s += formatRate(r.swarmlab.eventsPerSecond).padding(toLength: 20, withPad: " ", startingAt: 0)
            s += (r.c.map { formatRate($0.eventsPerSecond) } ?? "–").padding(toLength: 13, withPad: " ", startingAt: 0)
            s += (r.ratioToC.map { "\(fixed($0, 2))×" } ?? "–").padding(toLength: 13, withPad: " ", startingAt: 0)
            s += peers + "\n"
        }
        return s
    }
}

func grouped(_ n: Int) -> String {
    let digits = String(n)
    var out = ""
    for (i, ch) in digits.reversed().enumerated() {
        if i > 0 && i % 3 == 0 { out.append(",") }
        out.append(ch)
    }
    return String(out.reversed())
}

func mib(_ kib: Int) -> String { "\(fixed(Double(kib) / 1024, 1)) MiB" }

func fixed(_ x: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", x) }
