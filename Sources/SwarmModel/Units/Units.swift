/// The model's units, one vocabulary everywhere: seconds (or `SimDuration`), bytes,
/// bytes per second, FLOP per second, watts, joules. Figures quoted in other units (link
/// speeds in bit/s, memory in GiB) are converted once, where they enter, with these helpers;
/// scenario files spell units out (`"100Mbit/s"`) and the scenario layer converts them.
public enum Unit {
    /// Bytes in a kibibyte, mebibyte, gibibyte (powers of two, for memory).
    public static let KiB = 1024.0, MiB = 1024.0 * 1024, GiB = 1024.0 * 1024 * 1024
    /// Bytes in a kilobyte, megabyte, gigabyte (powers of ten, for data volumes).
    public static let kB = 1e3, MB = 1e6, GB = 1e9

    /// Bytes per second from a link speed in bit/s (links are quoted in bits, SI prefixes).
    public static func bytesPerSecond(bitsPerSecond: Double) -> Double { bitsPerSecond / 8 }
    /// Bytes per second from Mbit/s.
    public static func bytesPerSecond(megabitsPerSecond: Double) -> Double { megabitsPerSecond * 1e6 / 8 }
    /// FLOP/s from GFLOP/s and TFLOP/s.
    public static func flops(giga: Double) -> Double { giga * 1e9 }
    public static func flops(tera: Double) -> Double { tera * 1e12 }
}
