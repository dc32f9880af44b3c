import Glibc

/// Where the coordinator listens and workers connect: a host (name or IPv4 address) and a
/// TCP port (0: any free port, chosen when listening). Written `HOST:PORT`.
///
/// Workers on other hosts connect to `host`, so it must name this machine as they can reach
/// it (its host name, or the address of the interface they share); `0.0.0.0` listens on
/// every interface and tells workers this machine's host name.
public struct TCPAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: UInt16

    public init(host: String, port: UInt16) { self.host = host; self.port = port }

    /// Loopback at a free port: today's single-machine runtime.
    public static let loopback = TCPAddress(host: "127.0.0.1", port: 0)

    /// Parses `HOST:PORT` (port 0…65535); nil with the reason otherwise.
    public static func parse(_ text: String) -> Result<TCPAddress, ParseError> {
        guard let colon = text.lastIndex(of: ":") else { return .failure(ParseError(text: text, reason: "expected HOST:PORT, e.g. node01:0 or 10.0.0.5:7000")) }
        let host = String(text[..<colon]), portText = String(text[text.index(after: colon)...])
        guard !host.isEmpty, !host.contains(":") else { return .failure(ParseError(text: text, reason: "expected a host name or IPv4 address before ':'")) }
        guard let port = UInt16(portText) else { return .failure(ParseError(text: text, reason: "expected a port 0…65535 after ':' (0: any free port), found '\(portText)'")) }
        return .success(TCPAddress(host: host, port: port))
    }

    /// Why `parse` refused a text.
    public struct ParseError: Error, CustomStringConvertible {
        public var text: String
        public var reason: String
        public var description: String { "'\(text)': \(reason)" }
    }

    public var description: String { "\(host):\(port)" }

    /// The host workers are told to connect to: `host`, or this machine's name for `0.0.0.0`.
    public var advertisedHost: String { host == "0.0.0.0" ? Self.hostName() : host }

    /// This machine's host name (`gethostname`).
    public static func hostName() -> String {
        var buf = [CChar](repeating: 0, count: 256)
        guard gethostname(&buf, buf.count - 1) == 0 else { return "localhost" }
        return String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `host` as an IPv4 socket address (`getaddrinfo`, so a host name resolves as the
    /// system's resolver says); `port` in it.
    func socketAddress() throws(Socket.Failure) -> sockaddr_in {
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_port = port.bigEndian
        if inet_pton(AF_INET, host, &a.sin_addr) == 1 { return a }
        var hints = addrinfo()
        hints.ai_family = AF_INET
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        let r = getaddrinfo(host, nil, &hints, &result)
        guard r == 0, let first = result, let sa = first.pointee.ai_addr else {
            throw Socket.Failure(call: "resolve \(host) (\(String(cString: gai_strerror(r))))", code: 0)
        }
        defer { freeaddrinfo(result) }
        a.sin_addr = sa.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr }
        return a
    }
}

extension Socket {
    /// A socket listening on `address` (port 0: a free one); returns it and the port bound.
    static func listen(on address: TCPAddress) throws(Failure) -> (fd: Int32, port: UInt16) {
        var a = try address.socketAddress()
        let fd = try stream()
        var one: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        let bound = withUnsafePointer(to: &a) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if bound < 0 { let e = errno; close(fd); throw Failure(call: "bind \(address)", code: e) }
        if Glibc.listen(fd, 128) < 0 { let e = errno; close(fd); throw Failure(call: "listen \(address)", code: e) }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &a) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        setNonBlocking(fd)
        return (fd, UInt16(bigEndian: a.sin_port))
    }

    /// A blocking connection to `address`.
    static func connect(to address: TCPAddress) throws(Failure) -> Int32 {
        var a = try address.socketAddress()
        let fd = try stream()
        let r = withUnsafePointer(to: &a) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if r < 0 { let e = errno; close(fd); throw Failure(call: "connect \(address)", code: e) }
        return fd
    }
}
