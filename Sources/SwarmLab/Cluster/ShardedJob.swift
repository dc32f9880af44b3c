import Foundation

/// Work split into shards for a cluster engine: the command line each shard runs and the one
/// that joins their outputs once all are done.
///
/// Engine-neutral on purpose: `SlurmSubmission` turns it into a job array plus a dependent
/// join job, `KubernetesManifests` into an Indexed Job plus a join Job. `swarmlab sweep`
/// builds one with `SweepCluster.job`; any other sharded command (`size`) only has to say
/// its command lines.
public struct ShardedJob: Sendable, Equatable {
    /// Stands in a command line for the shard's index (0-based); each engine substitutes its
    /// own variable (`$SLURM_ARRAY_TASK_ID`, `$JOB_COMPLETION_INDEX`).
    public static let shardPlaceholder = "{shard}"

    /// A short name for the jobs (letters, digits, `-`), e.g. `swarmlab-sweep-shootout`.
    public var name: String
    /// How many shards (array tasks, pod indexes).
    public var shardCount: Int
    /// One shard's command line (argv), with `shardPlaceholder` where the index goes.
    public var shardCommand: [String]
    /// The command line that joins the shards' outputs; it must fail, naming them, when a
    /// shard's output is missing.
    public var joinCommand: [String]

    public init(name: String, shardCount: Int, shardCommand: [String], joinCommand: [String]) {
        precondition(shardCount >= 1, "a sharded job needs at least one shard")
        self.name = name; self.shardCount = shardCount; self.shardCommand = shardCommand; self.joinCommand = joinCommand
    }

    /// `argv` as one POSIX shell line: each word single-quoted, the placeholder replaced by
    /// `"$variable"` (expanded by the shell, still one word).
    public static func shellLine(_ argv: [String], shardVariable: String? = nil) -> String {
        argv.map { word in
            var quoted = "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
            if let shardVariable {
                quoted = quoted.replacingOccurrences(of: shardPlaceholder, with: "'\"$\(shardVariable)\"'")
            }
            // '' next to a quoted variable is noise: drop empty quotes at the edges.
            if quoted.hasPrefix("''") && quoted.count > 2 { quoted.removeFirst(2) }
            if quoted.hasSuffix("''") && quoted.count > 2 { quoted.removeLast(2) }
            return quoted
        }.joined(separator: " ")
    }

    /// `text` made a valid Kubernetes object or Slurm job name: lowercase letters, digits and
    /// `-`, starting and ending with a letter or digit, at most `limit` characters.
    public static func dnsLabel(_ text: String, limit: Int = 63) -> String {
        var out = ""
        for c in text.lowercased() {
            if c.isASCII && (c.isLetter || c.isNumber) { out.append(c) } else if !out.hasSuffix("-") { out.append("-") }
        }
        out = String(out.prefix(limit))
        while out.hasPrefix("-") { out.removeFirst() }
        while out.hasSuffix("-") { out.removeLast() }
        return out.isEmpty ? "swarmlab" : out
    }
}
