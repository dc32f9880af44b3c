import Glibc

/// Loopback TCP, the little the runtime needs, over POSIX sockets. Descriptors are
/// close-on-exec so worker processes do not inherit the coordinator's connections.
enum Socket {
    struct Failure: Error, CustomStringConvertible {
        let call: String
        let code: Int32
        var description: String { "\(call) failed: \(String(cString: strerror(code)))" }
    }

    static func check(_ r: Int32, _ call: String) throws(Failure) -> Int32 {
        guard r >= 0 else { throw Failure(call: call, code: errno) }
        return r
    }

    static func loopback(port: UInt16) -> sockaddr_in {
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_port = port.bigEndian
        a.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        return a
    }

    static func stream() throws(Failure) -> Int32 {
        let fd = try check(socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0), "socket")
        var one: Int32 = 1
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        return fd
    }

    /// A socket listening on 127.0.0.1 at a free port; returns it and the port.
    static func listen() throws(Failure) -> (fd: Int32, port: UInt16) {
        let fd = try stream()
        var a = loopback(port: 0)
        let bound = withUnsafePointer(to: &a) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        _ = try check(bound, "bind 127.0.0.1")
        _ = try check(Glibc.listen(fd, 128), "listen")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &a) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        setNonBlocking(fd)
        return (fd, UInt16(bigEndian: a.sin_port))
    }

    /// A blocking connection to 127.0.0.1:`port`.
    static func connect(port: UInt16) throws(Failure) -> Int32 {
        let fd = try stream()
        var a = loopback(port: port)
        let r = withUnsafePointer(to: &a) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if r < 0 { let e = errno; close(fd); throw Failure(call: "connect 127.0.0.1:\(port)", code: e) }
        return fd
    }

    static func setNonBlocking(_ fd: Int32) { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }

    /// How long `writeAll` waits, by default, for a peer to make room: a worker or
    /// coordinator that stops reading fills the socket's buffer (a few MB) and would otherwise
    /// block the writer forever. Frames are a few hundred bytes, so a live peer never comes
    /// near it.
    static let sendLimit = 5.0

    /// Writes all of `bytes`; false if the peer is gone or has not taken them within `limit`
    /// seconds (a peer that stopped reading). Each `send` is non-blocking (`MSG_DONTWAIT`, also
    /// on a blocking socket); a full buffer is waited on with `poll`, up to the deadline. After
    /// `false` part of a frame may have been written: the caller treats the connection as lost.
    @discardableResult
    static func writeAll(_ fd: Int32, _ bytes: [UInt8], limit: Double = sendLimit) -> Bool {
        var sent = 0
        let deadline = monotonicSeconds() + limit
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT)) }
            if n > 0 { sent += n; continue }
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
                let left = deadline - monotonicSeconds()
                guard left > 0 else { return false }
                var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                _ = poll(&p, 1, Int32(min(100, max(1, left * 1000))))
                continue
            }
            return false
        }
        return true
    }

    static func monotonicSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    /// Reads what is available: bytes, [] when the peer closed, nil when nothing is there yet.
    static func readSome(_ fd: Int32) -> [UInt8]? {
        var buf = [UInt8](repeating: 0, count: 65536)
        let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
        if n > 0 { return Array(buf[0..<n]) }
        if n == 0 { return [] }
        if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { return nil }
        return []
    }
}
