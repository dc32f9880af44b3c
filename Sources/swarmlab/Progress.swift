import Foundation
import Synchronization

/// Progress on standard error for long commands, wherever they run. On a terminal, a live line
/// rewritten in place; anywhere else (a log file, a pipe, a Slurm job's output) a whole line
/// at most every `interval` seconds, so a batch job's log shows the run advancing instead of
/// nothing until the end. Lines that always matter (a run finished) go through `line`; status
/// updates through `live`. `SWARMLAB_PROGRESS_INTERVAL` sets the interval (seconds, default 10).
final class Progress: Sendable {
    let terminal: Bool
    let quiet: Bool
    let interval: Double
    /// When the last line was written (monotonic seconds), and whether a live line is showing.
    private let state = Mutex<(last: Double, liveShowing: Bool)>((0, false))
    private let started = ProcessInfo.processInfo.systemUptime

    init(quiet: Bool, terminal: Bool = isatty(STDERR_FILENO) == 1,
         interval: Double = Progress.interval(ProcessInfo.processInfo.environment)) {
        self.quiet = quiet; self.terminal = terminal; self.interval = interval
    }

    /// The interval `SWARMLAB_PROGRESS_INTERVAL` asks for (seconds > 0), else 10.
    static func interval(_ environment: [String: String]) -> Double {
        guard let text = environment["SWARMLAB_PROGRESS_INTERVAL"], let s = Double(text), s > 0, s.isFinite else { return 10 }
        return s
    }

    /// Seconds since this reporter was made.
    var elapsed: Double { ProcessInfo.processInfo.systemUptime - started }

    /// A line that is always written (unless quiet).
    func line(_ text: String) {
        guard !quiet else { return }
        let prefix = state.withLock { s in
            defer { s.last = elapsed; s.liveShowing = false }
            return terminal && s.liveShowing ? "\r\u{1B}[2K" : ""
        }
        FileHandle.standardError.write(Data((prefix + text + "\n").utf8))
    }

    /// A status update: shown at once on a terminal (replacing the previous one), elsewhere
    /// written as a line when `interval` seconds have passed since the last line.
    func live(_ text: String) {
        guard !quiet else { return }
        if terminal {
            state.withLock { $0.liveShowing = true }
            FileHandle.standardError.write(Data(("\r\u{1B}[2K" + text).utf8))
            return
        }
        let due = state.withLock { s in
            guard elapsed - s.last >= interval else { return false }
            s.last = elapsed
            return true
        }
        if due { FileHandle.standardError.write(Data(("[\(Int(elapsed.rounded())) s] " + text + "\n").utf8)) }
    }

    /// `body` gets a line writer (`line`); in a log or a pipe, while `body` runs, a "still
    /// working" line every `interval` seconds repeats the last line it wrote — for commands
    /// whose pieces (replications, candidates) can each take long.
    func reportingLines<T>(_ body: (_ line: @escaping @Sendable (String) -> Void) throws -> T) rethrows -> T {
        let last = Mutex("starting")
        return try whileRunning(status: { [self] in "\(last.withLock { $0 }); \(Int(elapsed.rounded())) s elapsed" }) {
            try body { [self] text in
                last.withLock { $0 = "after: " + text }
                line(text)
            }
        }
    }

    /// Calls `status` every `interval` seconds (on another thread) while `body` runs, for
    /// commands whose work reports only when a piece finishes (a sweep's runs, a validation's
    /// replications): a line is written only if none was for a whole interval.
    func whileRunning<T>(status: @escaping @Sendable () -> String, _ body: () throws -> T) rethrows -> T {
        guard !quiet && !terminal else { return try body() }
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue.global())
        timer.schedule(deadline: .now() + interval, repeating: interval)
        timer.setEventHandler { [self] in live("still working: " + status()) }
        timer.resume()
        defer { timer.cancel() }
        return try body()
    }
}
