#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Limits on the files a scenario names (availability traces, RTT matrices, region tables,
/// device profiles, arrival traces), checked before the work they would cause, so a hostile
/// or mistaken file gets an error naming the file, where, what was found and the limit,
/// instead of exhausting memory or time. The style of ``ScenarioLimits``; calibration
/// profiles have theirs in `DeviceProfile.maxBytes`.
public enum TraceLimits {
    /// Largest availability trace, bytes (2 GiB: the Failure Trace Archive's biggest
    /// `event_trace.tab` files are a few hundred MiB). Checked on the file's size before reading.
    public static let maxTraceBytes = 2 << 30
    /// Most rows (lines other than blank, comment and header) of an availability trace:
    /// 50 million, ≈ 1.6 GB of parsed rows (32 bytes each).
    public static let maxTraceRows = 50_000_000
    /// Longest line of any of these files, bytes.
    public static let maxLineBytes = 64 << 10
    /// Largest small CSV file (RTT matrix, region table, device profile, arrival trace), bytes.
    public static let maxTableBytes = 256 << 20
    /// Most data rows of a small CSV file (an arrival trace of ten million requests fits).
    public static let maxTableRows = 10_000_000
    /// Most regions in an RTT matrix or a region table: the matrix holds n² values and every
    /// pair is checked, so 65,536 regions would take 34 GB and minutes.
    public static let maxRegions = 1_024

    /// The file's size from `stat`, refused over `limit` bytes before a byte is read.
    static func checkSize(path: String, limit: Int) throws(TraceError) {
        var st = stat()
        guard stat(path, &st) == 0 else { return }   // the read names the problem
        let size = Int(st.st_size)
        guard size <= limit else { throw tooBig(file: path, size: size, limit: limit) }
    }

    static func tooBig(file: String, size: Int, limit: Int) -> TraceError {
        TraceError(file: file, line: 0, message: "the file is \(size) bytes; the limit is \(limit) bytes (\(binary(limit)))")
    }

    static func lineTooLong(file: String, line: Int, bytes: Int) -> TraceError {
        TraceError(file: file, line: line, column: 1,
                   message: "line is \(bytes) bytes long; the limit is \(maxLineBytes) bytes (\(binary(maxLineBytes)))")
    }

    static func tooManyRows(file: String, line: Int, limit: Int) -> TraceError {
        TraceError(file: file, line: line, column: 1, message: "more than \(limit) rows; the limit is \(limit) rows")
    }

    static func binary(_ n: Int) -> String {
        n >= 1 << 30 ? "\(n >> 30) GiB" : n >= 1 << 20 ? "\(n >> 20) MiB" : "\(n >> 10) KiB"
    }
}
