import Foundation
import SwarmKernel
import SwarmModel

extension Coordinator {
    typealias PPoll = @convention(c) (UnsafeMutablePointer<pollfd>?, nfds_t, UnsafePointer<timespec>?, UnsafeRawPointer?) -> Int32
    /// glibc's `ppoll` (a `_GNU_SOURCE` function Swift does not see), looked up at run time.
    static let ppoll: PPoll? = {
        guard let handle = dlopen(nil, RTLD_NOW), let sym = dlsym(handle, "ppoll") else { return nil }
        return unsafeBitCast(sym, to: PPoll.self)
    }()

    // MARK: the wire

    func pollOnce(timeout: Double) {
        // Not accepting while restarting (an injected fault): connections wait in the backlog.
        let accepting = wall >= reliability.acceptFrom
        var fds = [pollfd(fd: listenFD, events: accepting ? Int16(POLLIN) : 0, revents: 0)]
        fds += connections.keys.sorted().map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        // ppoll, not poll: a timeout in nanoseconds, so an emulated delay fires when due, not
        // up to a millisecond late (poll rounds to whole milliseconds; two messages per
        // attempt made every attempt about a millisecond longer than the model).
        // The last `DutyCycle.spinSeconds` before a deadline are spun (the loop polls
        // again without waiting), as a wake-up comes that much late.
        let t = timeout > DutyCycle.spinSeconds ? timeout - DutyCycle.spinSeconds : 0
        var ts = timespec(tv_sec: Int(t), tv_nsec: Int((t - Double(Int(t))) * 1e9))
        let ready: Int32
        if let ppoll = Coordinator.ppoll {
            ready = ppoll(&fds, nfds_t(fds.count), &ts, nil)
        } else {
            ready = poll(&fds, nfds_t(fds.count), Int32((t * 1000).rounded(.up)))
        }
        guard ready > 0 else { return }
        if fds[0].revents != 0 { acceptAll() }
        for p in fds.dropFirst() where p.revents != 0 { readFrom(p.fd) }
    }

    func acceptAll() {
        while true {
            let fd = Glibc.accept(listenFD, nil, nil)
            guard fd >= 0 else { return }
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            Socket.setNonBlocking(fd)
            connectionSerial += 1
            connections[fd] = Connection(opened: wall, serial: connectionSerial)
        }
    }

    func readFrom(_ fd: Int32) {
        while let bytes = Socket.readSome(fd) {
            if bytes.isEmpty { closeConnection(fd, why: "closed by peer"); return }
            connections[fd]?.decoder.append(bytes)
            while let conn = connections[fd] {
                var decoder = conn.decoder
                let bound = conn.device
                let result: Result<Frame?, FrameError>
                do {
                    result = .success(try decoder.next { [deviceKeys, n] id in
                        if let b = bound { return Int(id) == b ? deviceKeys[b] : nil }
                        return Int(id) < n ? deviceKeys[Int(id)] : nil
                    })
                } catch { result = .failure(error) }
                connections[fd]?.decoder = decoder
                switch result {
                case .success(nil): break
                case .success(let frame?):
                    inbound(frame, on: fd)
                    continue
                case .failure(let error):
                    note("dropped frame on connection \(fd)\(bound.map { " (device \($0))" } ?? " (not authenticated)"): \(error)")
                    if error.closesConnection || bound == nil {
                        closeConnection(fd, why: bound == nil ? "refused: not authenticated" : "refused: unreadable stream")
                        return
                    }
                    continue
                }
                break
            }
        }
    }

    func received(_ frame: Frame, on fd: Int32) {
        guard var conn = connections[fd] else { return }
        let d = Int(frame.device)
        guard conn.window.accept(frame.sequence) else {
            note("dropped frame from device \(d): sequence \(frame.sequence) after \(conn.window.top) (replayed, or older than the last \(ReplayWindow.width))")
            return
        }
        connections[fd] = conn
        lastFrame = wall
        guard let bound = conn.device else {
            guard frame.kind == .hello else {
                note("dropped \(frame.kind) frame on connection \(fd): expected hello first")
                closeConnection(fd, why: "refused: no hello")
                return
            }
            guard connectionOf[d] == nil else {
                note("device \(d) is already connected; second connection \(fd) refused")
                closeConnection(fd, why: "refused: duplicate device")
                return
            }
            connections[fd]?.device = d
            connectionOf[d] = fd
            if case .hello(_, let clock)? = try? Message(frame) { sharesClock[d] = ClockDomain.isShared(with: clock) } else { sharesClock[d] = false }
            heard[conn.serial] = wall
            after(delay(d, bytes: 0), .send(device: d, connection: conn.serial, welcome(d)))
            after(delay(d, bytes: 0), .deliver(device: d, connection: conn.serial, .hello(pid: 0)))
            return
        }
        guard frame.kind.fromWorker else {
            note("dropped \(frame.kind) frame from device \(bound): only the coordinator sends \(frame.kind)")
            return
        }
        let message: Message
        do { message = try Message(frame) } catch {
            note("dropped frame from device \(bound): \(error)")
            return
        }
        switch message {
        case .submit(let work):
            note("refused work submitted by device \(bound) (\(work)): only the coordinator assigns work")
        case .hello:
            // The worker says hello again until it is welcomed: its welcome was lost.
            note("second hello from device \(bound): welcome sent again")
            after(delay(bound, bytes: 0), .send(device: bound, connection: conn.serial, welcome(bound)))
        case .heartbeat:
            after(delay(bound, bytes: 0), .deliver(device: bound, connection: conn.serial, message))
        case .result(let r):
            // Held from when the worker sent it when it can say so (one clock): the time this
            // process took to get to the frame is part of the emulated link's latency, and a
            // frame that got here after the link would have delivered it is delivered at
            // that instant (`actingInstant`), late, not later still.
            let bytes = Int(r.task) < m ? plan.tasks.outputBytes[Int(r.task)] : 0
            let w = wall
            let trusted = sharesClock[bound] && ClockDomain.elapsed(since: r.computeEnd, now: start + w) > 0
            at((trusted ? r.computeEnd - start : w) + delay(bound, bytes: bytes, fromDevice: true), .deliver(device: bound, connection: conn.serial, message))
        case .abandon:
            after(delay(bound, bytes: 0), .deliver(device: bound, connection: conn.serial, message))
        case .welcome, .assign, .shutdown:
            break
        }
    }

    /// How device `d`'s worker is to emulate it.
    func welcome(_ d: Int) -> Message {
        .welcome(.init(speed: plan.devices[d].speed, adversarial: plan.devices[d].adversarial,
                       heartbeatInterval: heartbeatWall / 4, timeScale: plan.timeScale))
    }

    /// Closes connections that have not authenticated within `helloTimeout`.
    func closeSilentStrangers() {
        let w = wall
        for (fd, c) in connections where c.device == nil && w - c.opened > options.helloTimeout {
            closeConnection(fd, why: "refused: no hello within \(options.helloTimeout) s")
        }
    }

    func closeConnection(_ fd: Int32, why: String) {
        guard let conn = connections.removeValue(forKey: fd) else { return }
        close(fd)
        if let d = conn.device, connectionOf[d] == fd {
            connectionOf[d] = nil
            goneAway(d)
            note("device \(d) disconnected (\(why))")
        } else {
            note("connection \(fd) closed (\(why))")
        }
    }
}
