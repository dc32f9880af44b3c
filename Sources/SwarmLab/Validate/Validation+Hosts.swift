import Foundation
import SwarmRuntime

extension Validation {
    /// The reference runtime's transport from `validate`'s flags: `--listen HOST:PORT` (default
    /// 127.0.0.1:0 for local workers, this machine's host name at a free port for `srun`),
    /// `--launcher local|srun`, `--key-directory DIR` (srun). Throws `Failure` with what was
    /// found and what is expected: an unknown launcher, an address that does not parse,
    /// `srun` outside a Slurm allocation, or a loopback address workers on other nodes
    /// could not reach. `nodes`: the allocation's nodes when known (else `scontrol` expands
    /// `SLURM_JOB_NODELIST`).
    public static func transport(listen: String?, launcher: String, keyDirectory: String? = nil,
                                 environment: [String: String] = ProcessInfo.processInfo.environment,
                                 nodes: [String]? = nil) throws -> RuntimeTransport {
        var address: TCPAddress?
        if let listen {
            switch TCPAddress.parse(listen) {
            case .success(let a): address = a
            case .failure(let e): throw Failure(description: "--listen \(e)")
            }
        }
        switch launcher {
        case "local":
            if keyDirectory != nil { throw Failure(description: "--key-directory goes with --launcher srun (local workers get their key in their environment)") }
            return RuntimeTransport(listen: address ?? .loopback, launcher: .local)
        case "srun":
            let srun: SrunLaunch
            do { srun = try SrunLaunch.fromEnvironment(keyDirectory: keyDirectory, environment: environment, nodes: nodes) } catch {
                throw Failure(description: "\(error)".replacingOccurrences(of: "runtime: ", with: ""))
            }
            let listenOn = address ?? TCPAddress(host: TCPAddress.hostName(), port: 0)
            let me = TCPAddress.hostName()
            let loopback = listenOn.host == "localhost" || listenOn.host.hasPrefix("127.")
            if loopback, let far = srun.nodes.first(where: { $0 != me && $0.split(separator: ".").first.map(String.init) != me }) {
                throw Failure(description: "--listen \(listenOn): a loopback address, but the allocation's node \(far) is not this machine (\(me)); "
                              + "give an address the nodes reach, e.g. --listen \(me):0")
            }
            return RuntimeTransport(listen: listenOn, launcher: .srun(srun))
        default:
            throw Failure(description: "--launcher: expected local or srun, found '\(launcher)'")
        }
    }
}
