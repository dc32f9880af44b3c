import Foundation
import Testing
import SwarmLab
import SwarmKernel
import SwarmModel
import SwarmResults
import SwarmScenario

/// One run on two cores: the recorder on a second thread (`RecordPipe`) gives the results
/// file and the summary of one thread, bit for bit.
@Suite("One run on two threads")
struct TwoThreadRunTests {
    /// Churning desktops and phones, GEMMs with replicas and losses, two policies: enough
    /// records (churn, attempts, phases) to fill many of the pipe's 4096-record chunks and
    /// wrap its ring of 8 several times.
    static let text = """
    version: 1
    name: two-threads-test
    seed: 5
    duration: 12h
    heartbeat_timeout: 2min
    regions:
      - { name: eu, utc_offset: 1 }
      - { name: us, utc_offset: -6 }
    network: { intra_region_rtt: 10ms, default_rtt: 120ms }
    availability:
      desktop:
        model: renewal
        on: { law: weibull, shape: 0.5, scale: 30min }
        off: { law: weibull, shape: 0.6, scale: 20min }
    fleet:
      - { class: desktop, region: eu, count: 1500 }
      - { class: phone, region: us, count: 500 }
    workloads:
      - bag: { tasks: 6000, work: { gemm: { m: 2048, n: 2048, k: 2048 } }, input: 20MB, output: 5MB, replicas: 2 }
    policies: [random, least-loaded]
    """

    static func temporary(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("swarmlab-threads-\(getpid())-\(UUID().uuidString)-\(name)").path
    }

    /// Every dataset of the file (path → raw bytes), walking the groups from the root.
    static func datasets(_ file: ResultsReader, under path: String = "/") throws -> [String: [UInt8]] {
        var out: [String: [UInt8]] = [:]
        for (name, kind) in file.children(of: path) {
            let full = path == "/" ? name : "\(path)/\(name)"
            switch kind {
            case .group: out.merge(try datasets(file, under: full)) { a, _ in a }
            case .table: out[full] = try file.rawTable(full).bytes
            case .other: break
            }
        }
        return out
    }

    @Test("the same scenario and seed give byte-identical results datasets and summary with one thread and with two")
    func twoThreadsAreBitIdentical() throws {
        let s = try Scenario.parse(text: Self.text, file: "two-threads-test.yaml", policies: ["random", "least-loaded"])
        let one = Self.temporary("one.h5"), two = Self.temporary("two.h5")
        defer { try? FileManager.default.removeItem(atPath: one); try? FileManager.default.removeItem(atPath: two) }
        let r1 = try ScenarioRunner.run(s, resultsPath: one, threads: 1)
        let r2 = try ScenarioRunner.run(s, resultsPath: two, threads: 2)

        let d1 = try Self.datasets(ResultsReader(path: one)), d2 = try Self.datasets(ResultsReader(path: two))
        // Each policy group holds at least its tasks, devices and timeline tables.
        #expect(d1.keys.filter { $0.hasSuffix("/tasks") }.count == 2)
        #expect(d1.keys.sorted() == d2.keys.sorted())
        for name in d1.keys.sorted() {
            #expect(d1[name] == d2[name], "dataset \(name) differs between one and two threads")
        }
        // The run is big enough for the pipe to matter: more attempt rows than one chunk holds.
        let rows = try ResultsReader(path: one).tableShape("random/tasks").rows
        #expect(rows > 4096, "random/tasks has \(rows) rows")

        // The summary: every metric, bit for bit (only the wall time may differ).
        #expect(r1.count == 2 && r2.count == 2)
        for (a, b) in zip(r1, r2) {
            #expect(a.policy == b.policy && a.events == b.events && a.finished == b.finished)
            #expect(bits(ScenarioRunner.sweepValues(a)) == bits(ScenarioRunner.sweepValues(b)), "\(a.policy)")
            #expect(a.metrics.tasksDone == b.metrics.tasksDone && a.metrics.makespan.bitPattern == b.metrics.makespan.bitPattern)
            #expect(a.bill.cloudUSD.bitPattern == b.bill.cloudUSD.bitPattern
                    && a.bill.carbonGrams.bitPattern == b.bill.carbonGrams.bitPattern)
        }
    }

    @Test("a record pipe with tiny chunks hands every record over, in order, and its consumer ends at finish")
    func pipeKeepsOrderThroughAFullRing() {
        // 3-record chunks in a ring of 2: the engine side waits for the consumer again and again.
        var seen: [Int] = []
        let pipe = RecordPipe(chunkSize: 3, chunkCount: 2) { r in
            if case .online(let d, _) = r { seen.append(d) }
        }
        let n = 10_007   // not a multiple of 3: a last, partial chunk
        for d in 0..<n { pipe.send(.online(device: d, at: .zero)) }
        pipe.finish()
        pipe.finish()   // a second finish does nothing (and does not wait for a thread that has ended)
        #expect(pipe.recordsSent == UInt64(n))
        #expect(seen == Array(0..<n))
    }

    @Test("an unwritable results file fails a two-thread run with a clear error naming the file, without hanging")
    func unwritableOutputIsAnError() throws {
        let s = try Scenario.parse(text: Self.text, file: "two-threads-test.yaml", policies: ["random", "least-loaded"])
        // Its folder is a regular file: the results file cannot be created.
        let notAFolder = Self.temporary("not-a-folder")
        #expect(FileManager.default.createFile(atPath: notAFolder, contents: Data("x".utf8)))
        defer { try? FileManager.default.removeItem(atPath: notAFolder) }
        let path = notAFolder + "/run.h5"
        var message = ""
        do { _ = try ScenarioRunner.run(s, resultsPath: path, threads: 2) } catch { message = "\(error)" }
        #expect(message.contains(path), "the error names the file: \(message)")
    }

    @Test("a results folder removed while a two-thread run goes on fails the run at commit with an error naming the file")
    func outputLostMidRunIsAnError() throws {
        let s = try Scenario.parse(text: Self.text, file: "two-threads-test.yaml", policies: ["random", "least-loaded"])
        let folder = Self.temporary("folder")
        let path = folder + "/run.h5"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var message = "", finishedPolicies = 0
        do {
            // After the first policy (its recorder thread done, its tables written), the folder
            // goes away: the second policy still runs on two threads, then the commit fails.
            _ = try ScenarioRunner.run(s, resultsPath: path, threads: 2, progress: { _ in
                finishedPolicies += 1
                if finishedPolicies == 1 { try? FileManager.default.removeItem(atPath: folder) }
            })
        } catch { message = "\(error)" }
        #expect(finishedPolicies == 2, "both policies ran before the error")
        #expect(message.contains("cannot move") && message.contains(path), "the error names the file: \(message)")
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test("each device's online seconds walked on two threads are those of one thread, bit for bit")
    func heldTimeOnTwoThreads() throws {
        // 2000 desktops and 500 phones: 3 blocks of 1024 devices and a partial one, dealt to
        // two threads; desktops churn (renewal), phones follow their window.
        let s = try Scenario.parse(text: Self.text.replacingOccurrences(of: "count: 500", with: "count: 1100"),
                                   file: "two-threads-test.yaml", policies: ["random", "least-loaded"])
        let fleet = try s.materialize().fleet
        #expect(fleet.count == 1500 + 1100 && fleet.count > 2 * RunBill.onlineBlock)
        let horizon = SimTime.zero + .hours(72)
        let one = RunBill.onlineSeconds(fleet: fleet, seed: 5, until: horizon)
        let two = RunBill.onlineSeconds(fleet: fleet, seed: 5, until: horizon, threads: 2)
        #expect(bits(one) == bits(two))
        // Not trivially equal: devices differ, and every figure is within [0, 72 h].
        #expect(Set(one).count > 100 && one.allSatisfy { $0 >= 0 && $0 <= 72 * 3600 })
    }

    @Test("SWARMLAB_THREADS: 1 or 2 as given, by core count when absent, anything else an error saying what was expected")
    func threadsFromEnvironment() throws {
        #expect(try ScenarioRunner.threads(fromEnvironment: ["SWARMLAB_THREADS": "1"], cores: 8) == 1)
        #expect(try ScenarioRunner.threads(fromEnvironment: ["SWARMLAB_THREADS": "2"], cores: 1) == 2)
        #expect(try ScenarioRunner.threads(fromEnvironment: [:], cores: 2) == 2)
        #expect(try ScenarioRunner.threads(fromEnvironment: [:], cores: 1) == 1)
        #expect {
            _ = try ScenarioRunner.threads(fromEnvironment: ["SWARMLAB_THREADS": "four"], cores: 2)
        } throws: { "\($0)".contains("SWARMLAB_THREADS: found 'four', expected 1") }
    }
}
