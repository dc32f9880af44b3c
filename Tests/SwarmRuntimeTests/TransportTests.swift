import Testing
import Foundation
import SwarmModel
@testable import SwarmRuntime

/// The runtime's transport pieces that need no Slurm: addresses, the worker reading where
/// its coordinator is and its key file, a coordinator listening on a given address.
@Suite("Runtime transport: addresses, key files, a given listening address")
struct TransportTests {
    @Test("HOST:PORT parses; a missing colon, an empty host or a bad port is refused with the reason")
    func addresses() throws {
        let named = try TCPAddress.parse("node01:7000").get(), numeric = try TCPAddress.parse("10.0.0.5:0").get()
        #expect(named == TCPAddress(host: "node01", port: 7000))
        #expect(numeric == TCPAddress(host: "10.0.0.5", port: 0))
        for (text, reason) in [("node01", "expected HOST:PORT"), (":80", "host name"), ("node:65536", "port 0…65535"),
                               ("node:http", "port 0…65535"), ("::1:80", "host name")] {
            guard case .failure(let e) = TCPAddress.parse(text) else { Issue.record("\(text) accepted"); continue }
            #expect("\(e)".contains(reason) && "\(e)".contains(text), "\(e)")
        }
        #expect(TCPAddress(host: "0.0.0.0", port: 1).advertisedHost == TCPAddress.hostName())
    }

    @Test("a coordinator listening on this machine's name runs a plan with local workers connecting to it")
    func listensOnAGivenAddress() throws {
        var tasks = TaskTable()
        for _ in 0..<4 { _ = tasks.add(work: .seconds(0.01)) }
        let plan = RuntimePlan(devices: [EmulatedDevice(), EmulatedDevice()], fleet: localFleet(2), tasks: tasks, policy: fastestFirst())
        var port: UInt16 = 0
        var options = CoordinatorOptions()
        options.transport = RuntimeTransport(listen: TCPAddress(host: TCPAddress.hostName(), port: 0))
        options.onListening = { p, _ in port = p }
        let r = try runPlan(plan, options: options)
        #expect(r.taskFinish.allSatisfy { $0.isFinite })
        #expect(port > 0)
    }

    @Test("the worker refuses a key file others can read, or a bad coordinator address, with exit status 64",
          arguments: [(0o644, "SWARMLAB_COORDINATOR=node:7000", "must be a regular file of this user with mode 0600"),
                      (0o600, "SWARMLAB_COORDINATOR=node", "SWARMLAB_COORDINATOR: 'node': expected HOST:PORT"),
                      (0o600, "SWARMLAB_COORDINATOR=node:0", "SWARMLAB_COORDINATOR: expected a port 1...65535")])
    func workerKeyFileAndAddress(mode: Int, coordinator: String, message expected: String) throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("swarmlab-key-\(UUID().uuidString)").path
        defer { unlink(path) }
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode_t(mode))
        _ = write(fd, String(repeating: "ab", count: 32), 64)
        close(fd)
        _ = chmod(path, mode_t(mode))   // not the umask's
        let parts = coordinator.split(separator: "=", maxSplits: 1).map(String.init)
        let env = ["SWARMLAB_DEVICE": "0", "SWARMLAB_KEY_FILE": path, parts[0]: parts[1]]
        let (status, message) = try runWorker(environment: env)
        #expect(status == 64)
        #expect(message.contains(expected), "\(message)")
    }
}
