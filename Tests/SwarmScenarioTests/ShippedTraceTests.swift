import Foundation
import Testing
import SwarmKernel
import SwarmModel
@testable import SwarmScenario

let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
func shipped(_ path: String) -> String { repository.appendingPathComponent(path).path }

/// The real traces under traces/ load, agree with each other, and drive the models.
@Suite("Shipped traces")
struct ShippedTraceTests {
    @Test("the FTA cut and its CSV conversion give the same intervals")
    func ftaMatchesCSV() throws {
        let fta = try AvailabilityTraceReader.read(path: shipped("traces/availability/lanl05-fta.fta.tab"), format: .fta)
        let csv = try AvailabilityTraceReader.read(path: shipped("traces/availability/lanl05-fta.csv"), format: .csv)
        let withIntervals = (0..<fta.trace.hostCount).filter { !fta.trace.intervals(ofHost: $0).isEmpty }
        #expect(withIntervals.count == csv.trace.hostCount)
        #expect(fta.trace.intervalCount == csv.trace.intervalCount)
        #expect(csv.trace.intervalCount == 49)
        // Same durations, whatever the origin of each file's clock.
        #expect(fta.trace.onDurations.sorted() == csv.trace.onDurations.sorted())
    }

    @Test("smartphone sessions fit a heavy-tailed law and replay through the availability model")
    func smartphones() throws {
        let loaded = try AvailabilityTraceReader.read(path: shipped("traces/availability/stunner-smartphones.csv"), format: .csv)
        #expect(loaded.trace.intervalCount == 821)
        let best = try DistributionFit.best(loaded.trace.onDurations)
        #expect(best.ks < 0.2, "best fit \(best.name) with KS distance \(best.ks)")

        var phone = DeviceClass.phone
        phone.availability = AvailabilityModel(source: .trace(loaded.trace, loop: true))
        let fleet = try Fleet(classes: [phone], regions: [("eu", 1)], mix: [.init(className: "phone", region: "eu", count: 4)])
        var lazy = FleetAvailability(fleet: fleet, seed: 1)
        // Device 0 replays host 0 from its own phase φ: at device time t it is available
        // exactly when host 0 is at trace time origin + φ + t (modulo the span, as it loops).
        let host0 = loaded.trace.intervals(ofHost: 0)
        let origin = loaded.trace.span.start, span = loaded.trace.span.end - loaded.trace.span.start
        let phase = try #require(lazy.tracePhase(of: 0)).seconds
        #expect(phase > 0 && phase < span)
        func deviceTime(_ traceTime: Double) -> SimTime {
            let t = (traceTime - origin - phase).truncatingRemainder(dividingBy: span)
            return SimTime(seconds: t < 0 ? t + span : t)
        }
        // Questions must come in increasing time: sort the probes first.
        var probes: [(SimTime, Bool)] = []
        for (iv, next) in zip(host0.prefix(20), host0.dropFirst().prefix(20)) {
            probes.append((deviceTime((iv.start + iv.end) / 2), true))
            if next.start > iv.end { probes.append((deviceTime((iv.end + next.start) / 2), false)) }
        }
        var wrong = 0
        for (t, expected) in probes.sorted(by: { $0.0 < $1.0 }) where lazy.isAvailable(0, at: t) != expected { wrong += 1 }
        #expect(wrong == 0)
        #expect(lazy.tracePhase(of: 1) != lazy.tracePhase(of: 0), "devices enter the trace at their own phases")
    }

    @Test("the IBM RTT matrix and region table build a network and a fleet")
    func ibmRegions() throws {
        let regions = try RegionTableReader.read(path: shipped("traces/network/ibm-cloud-vpc-2024-03-regions.csv"))
        #expect(regions.count == 10)
        let rtt = try RTTMatrixReader.read(path: shipped("traces/network/ibm-cloud-vpc-2024-03-rtt.csv"),
                                           defaultIntraRegionRTT: 0.001, knownRegions: regions.map(\.name))
        let london = try #require(rtt.region(named: "London")), frankfurt = try #require(rtt.region(named: "Frankfurt"))
        #expect(rtt.rtt(from: london, to: frankfurt) == 0.012)
        let fleet = try Fleet(classes: DeviceClass.builtin, regions: regions.map { ($0.name, $0.utcOffsetHours) },
                              mix: [.init(className: "phone", region: "Tokyo", count: 3)])
        #expect(fleet.utcOffset(0) == 9 * 3600)
    }
}

@Suite("Region tables and device profiles")
struct FleetFileTests {
    let classes = DeviceClass.builtin.map(\.name)
    let regions = ["eu-west", "us-east"]

    @Test("a device profile builds the fleet it describes")
    func profile() throws {
        let shares = try DeviceProfileReader.parse(text: "class,region,count\n# volunteers\nphone,eu-west,3\ndesktop,us-east,2\n",
                                                   file: "fleet.csv", classes: classes, regions: regions)
        let fleet = try Fleet(classes: DeviceClass.builtin, regions: [("eu-west", 0), ("us-east", -5)], mix: shares)
        #expect(fleet.count == 5)
        #expect(fleet.deviceClass(4).name == "desktop")
        #expect(fleet.utcOffset(4) == -5 * 3600)
    }

    @Test("bad device profiles are refused with file:line:column and what was expected", arguments: [
        ("phone,eu-west,3\n", "fleet.csv:1:1: missing header: expected `class,region,count`, found `phone,eu-west,3`"),
        ("class,region,count\nphnoe,eu-west,3\n", "fleet.csv:2:1: unknown class `phnoe`; did you mean `phone`? (expected one of: phone, laptop, desktop, edge-box, cloud-vm, gpu-server)"),
        ("class,region,count\nphone,eu-wset,3\n", "fleet.csv:2:7: unknown region `eu-wset`; did you mean `eu-west`? (expected one of: eu-west, us-east)"),
        ("class,region,count\nphone,eu-west,-3\n", "fleet.csv:2:15: `count` must be a whole number ≥ 0, found `-3`"),
        ("class,region,count\nphone,eu-west,2.5\n", "fleet.csv:2:15: `count` must be a whole number ≥ 0, found `2.5`"),
        ("class,region,count\nphone,eu-west\n", "fleet.csv:2: expected 3 fields (class,region,count), found 2"),
        ("", "fleet.csv:1: missing header: expected `class,region,count`, found an empty file"),
    ])
    func badProfiles(text: String, message: String) {
        #expect(throws: TraceError.self) { try DeviceProfileReader.parse(text: text, file: "fleet.csv", classes: classes, regions: regions) }
        do {
            _ = try DeviceProfileReader.parse(text: text, file: "fleet.csv", classes: classes, regions: regions)
        } catch {
            #expect(error.description == message)
        }
    }

    @Test("bad region tables are refused", arguments: [
        ("region,tz,utc_offset_hours\neu,Europe/Paris,25\n", "regions.csv:2:17: `utc_offset_hours` must be a number of hours in −12…14, found `25`"),
        ("region,tz,utc_offset_hours\neu,Europe/Paris,1\neu,Europe/Paris,1\n", "regions.csv:3:1: region `eu` is listed twice (first on line 2); expected each region once"),
        ("region,tz,utc_offset_hours\n,Europe/Paris,1\n", "regions.csv:2:1: empty `region`: expected a region name"),
    ])
    func badRegions(text: String, message: String) {
        do {
            _ = try RegionTableReader.parse(text: text, file: "regions.csv")
            Issue.record("accepted a bad region table")
        } catch {
            #expect(error.description == message)
        }
    }
}

@Suite("Request-arrival traces")
struct ArrivalTraceTests {
    @Test("arrivals drive traced inference requests with their SLO")
    func tracedRequests() throws {
        let arrivals = try ArrivalTraceReader.parse(text: "arrival_s\n0.5\n0.1\n# burst\n2\n2\n", file: "a.csv")
        #expect(arrivals == [0.5, 0.1, 2, 2])
        var tasks = TaskTable()
        TracedRequests(arrivals: arrivals, work: .seconds(0.2), slo: .seconds(1)).generate(into: &tasks, job: 3, streams: RandomStreams(seed: 1))
        #expect(tasks.arrival == [0.1, 0.5, 2, 2].map { SimTime(seconds: $0).ticks })
        #expect(tasks.deadline[0] == SimTime(seconds: 1.1).ticks)
        #expect(tasks.job.allSatisfy { $0 == 3 })
    }

    @Test("a bad arrival is refused with file:line:column")
    func badArrival() {
        do {
            _ = try ArrivalTraceReader.parse(text: "arrival_s\n1\n-3\n", file: "a.csv")
            Issue.record("accepted a negative arrival")
        } catch {
            #expect(error.description == "a.csv:3:1: `arrival_s` must be a number of seconds ≥ 0, found `-3`")
        }
    }
}
