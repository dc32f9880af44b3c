import ArgumentParser
import Foundation
import SwarmLab

struct StorageBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "storage",
        abstract: "Storage on the devices at scale: objects of k-of-n pieces under churn, departures and repair.",
        discussion: """
        Volunteers online 5/6 of the time (exponential ON 20 h / OFF 4 h), mean lifetime 30 days, \
        1 GB lent each; objects of k MB (1 MB pieces), random placement, repair below \
        ceil((k + n) / 2) live pieces. Prints the wall time of the upload and of the run, and \
        the peak resident memory.
        """)

    @Option(name: .long, help: "Devices (1e6 style allowed).") var devices: String = "1e6"
    @Option(name: .long, help: "Objects (1e6 style allowed).") var objects: String = "1e6"
    @Option(name: .long, help: "Pieces needed to read an object.") var k: Int = 29
    @Option(name: .long, help: "Pieces stored per object.") var n: Int = 80
    @Option(name: .long, help: "Simulated days.") var days: Double = 7
    @OptionGroup var output: BenchOutputOptions

    var deviceCount = 0, objectCount = 0
    enum CodingKeys: String, CodingKey { case devices, objects, k, n, days, output }

    mutating func validate() throws {
        deviceCount = try count(devices, option: "--devices", minimum: 1)
        objectCount = try count(objects, option: "--objects", minimum: 1)
        guard k >= 1, n >= k, n <= 255 else { throw ValidationError("need 1 ≤ k ≤ n ≤ 255 (got k = \(k), n = \(n))") }
        guard days > 0, days.isFinite else { throw ValidationError("--days must be positive (got \(days))") }
    }

    func run() throws {
        output.progress("storage: \(deviceCount) devices, \(objectCount) objects of \(k)-of-\(n), \(days) days…")
        let r = try StorageBenchmark.run(devices: deviceCount, objects: objectCount, k: k, n: n, days: days)
        try output.publish(r, markdown: StorageBenchmark.markdown(r), section: "storage")
    }
}
