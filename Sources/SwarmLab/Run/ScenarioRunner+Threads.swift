import Foundation

extension ScenarioRunner {
    /// The environment variable that sets how many threads one run uses: `SWARMLAB_THREADS=1`
    /// forces one thread (recording inline, as before), `2` the recorder on a second thread.
    public static let threadsVariable = "SWARMLAB_THREADS"

    /// How many threads one `swarmlab run` uses unless told: `SWARMLAB_THREADS` when set to 1
    /// or 2, else 2 on a machine with at least two cores, 1 otherwise. Results are
    /// bit-identical either way; only the wall time differs.
    public static var defaultThreads: Int {
        (try? threads(fromEnvironment: ProcessInfo.processInfo.environment)) ?? 1
    }

    /// `SWARMLAB_THREADS` read from `environment` (absent: by core count); a value other than
    /// 1 or 2 is an error naming the variable, what was found and what is expected.
    public static func threads(fromEnvironment environment: [String: String],
                               cores: Int = ProcessInfo.processInfo.activeProcessorCount) throws -> Int {
        guard let text = environment[threadsVariable] else { return cores >= 2 ? 2 : 1 }
        guard let n = Int(text.trimmingCharacters(in: .whitespaces)), n == 1 || n == 2 else {
            throw FileError(description: "\(threadsVariable): found '\(text)', expected 1 (one thread) or 2 (recorder on a second thread)")
        }
        return n
    }
}
