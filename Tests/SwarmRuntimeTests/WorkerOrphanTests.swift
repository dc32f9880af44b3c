import Testing
import Foundation
@testable import SwarmRuntime

/// Whether process `pid` is still running (a zombie awaiting its reaper counts as gone).
private func running(_ pid: pid_t) -> Bool {
    guard kill(pid, 0) == 0 else { return false }
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = stat.lastIndex(of: ")") else { return false }
    let state = stat[stat.index(close, offsetBy: 2)]
    return state != "Z" && state != "X"
}

@Suite("Workers die with their coordinator")
struct WorkerOrphanTests {
    @Test("a worker whose coordinator-like parent is killed with SIGKILL is gone within a few seconds")
    func noOrphans() throws {
        // The test holds the worker's connection open, so only the parent's death can end it.
        let listener = try Socket.listen()
        defer { close(listener.fd) }
        let worker = try ReferenceRuntime.locateWorker()
        // A shell plays the coordinator: it starts the worker as its child, prints its pid, waits.
        let parent = Process()
        parent.executableURL = URL(fileURLWithPath: "/bin/sh")
        parent.arguments = ["-c", "SWARMLAB_COORDINATOR_PID=$$ \"$0\" --device 0 & echo $!; wait", worker]
        parent.environment = ["SWARMLAB_PORT": "\(listener.port)", "SWARMLAB_DEVICE": "0",
                              "SWARMLAB_KEY": String(repeating: "ab", count: 32), "PATH": "/usr/bin:/bin"]
        let out = Pipe()
        parent.standardOutput = out
        try parent.run()
        let line = String(decoding: out.fileHandleForReading.availableData, as: UTF8.self)
        let workerPID = try #require(pid_t(line.trimmingCharacters(in: .whitespacesAndNewlines)))
        // Wait until the worker has connected (it is past its start-up).
        var connection: Int32 = -1
        let deadline = Date().addingTimeInterval(30)
        while connection < 0 && Date() < deadline {
            connection = accept(listener.fd, nil, nil)
            if connection < 0 { usleep(20_000) }
        }
        defer { if connection >= 0 { close(connection) } }
        #expect(connection >= 0)
        #expect(running(workerPID))

        kill(parent.processIdentifier, SIGKILL)
        let gone = Date().addingTimeInterval(5)
        while running(workerPID) && Date() < gone { usleep(20_000) }
        let orphaned = running(workerPID)
        if orphaned { kill(workerPID, SIGKILL) }
        #expect(!orphaned, "worker \(workerPID) outlived its coordinator")
    }

    @Test("a worker started under a parent that is not the coordinator named exits at once")
    func wrongParent() throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try ReferenceRuntime.locateWorker())
        p.arguments = ["--device", "0"]
        p.environment = ["SWARMLAB_PORT": "1", "SWARMLAB_DEVICE": "0", "SWARMLAB_KEY": String(repeating: "ab", count: 32),
                         "SWARMLAB_COORDINATOR_PID": "1"]
        let err = Pipe()
        p.standardError = err
        try p.run()
        let deadline = Date().addingTimeInterval(10)
        while p.isRunning && Date() < deadline { usleep(20_000) }
        if p.isRunning { p.terminate() }
        #expect(!p.isRunning || p.terminationStatus != 0)
        #expect(String(decoding: err.fileHandleForReading.availableData, as: UTF8.self).contains("coordinator"))
    }
}
