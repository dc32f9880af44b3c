import Foundation

/// Which CLOCK_MONOTONIC a process reads: processes of one boot of one host share it, so a
/// time stamped by one means the same instant to the other. The coordinator and its workers
/// compare domains (the worker's `hello`) before trusting each other's stamps; a worker on
/// another host gets none and times from when frames reach it.
public enum ClockDomain {
    /// This host's boot, as a 64-bit FNV-1a hash of `/proc/sys/kernel/random/boot_id`; 0 when
    /// it cannot be read (then no domain matches, not even another unreadable one).
    public static let current: UInt64 = {
        guard let text = try? String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8) else { return 0 }
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in text.trimmingCharacters(in: .whitespacesAndNewlines).utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01B3 }
        return h == 0 ? 1 : h
    }()

    /// Whether a peer that said `domain` reads this process's monotonic clock.
    public static func isShared(with domain: UInt64) -> Bool { domain != 0 && domain == current }

    /// Seconds from a peer's `stamp` to `now` (one clock), or 0 when the stamp is missing
    /// (negative), in the future, or more than a second old: a stamp is trusted only to
    /// absorb the moments between a message's emulated delivery and its handling.
    public static func elapsed(since stamp: Double, now: Double) -> Double {
        stamp >= 0 && stamp <= now && now - stamp < 1 ? now - stamp : 0
    }
}
