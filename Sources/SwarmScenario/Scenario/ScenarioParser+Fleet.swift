import Foundation
import SwarmKernel
import SwarmModel
import Yams

extension ScenarioParser {
    // MARK: device classes

    /// `device_classes`: each from scratch or from a `base`, appended to the built-in ones.
    mutating func deviceClasses(_ top: inout Section) throws(ScenarioError) {
        guard let list = top["device_classes"] else { return }
        var out: [Node] = []
        for e in try list.sequence() {
            var f = try Section(e, "device_classes[]")
            let n = try f.string("name")!
            guard !classNames.contains(n) else {
                throw f["name"]!.fail("class `\(n)` already exists\(DeviceClass.builtin.contains { $0.name == n } ? " (a built-in class)" : ""); give it another name, or use `base: \(n)`")
            }
            let base = try f.oneOf("base", classNames, "device class").map { b in classes.first { $0.name == b }! }
            func need(_ key: String) throws(ScenarioError) {
                if base == nil && f[key] == nil { throw e.fail("missing `\(key)` (a class without `base` gives it)") }
            }
            for k in ["cpu", "cores", "memory", "idle_power", "busy_power", "downlink", "uplink"] { try need(k) }
            let cpu = try f.quantity("cpu", UnitParser.flops) ?? base!.cpuFlops
            guard cpu > 0 else { throw f["cpu"]!.expected("a positive FLOP/s") }
            let cores = try f.int("cores", min: 1) ?? base!.cores
            let gpu = try f.quantity("gpu", UnitParser.flops) ?? base?.gpuFlops ?? 0
            let gpuMemory = try f.quantity("gpu_memory", UnitParser.bytes) ?? (gpu > 0 ? base?.gpuMemory ?? 0 : 0)
            guard (gpu == 0) == (gpuMemory == 0) else {
                throw (f["gpu_memory"] ?? f["gpu"] ?? e).fail("a GPU needs both `gpu` (FLOP/s) and `gpu_memory` (size)")
            }
            let memory = try f.quantity("memory", UnitParser.bytes) ?? base!.memory
            guard memory > 0 else { throw f["memory"]!.expected("a positive size") }
            let memoryBandwidth = try f.quantity("memory_bandwidth", UnitParser.bandwidth) ?? base?.memoryBandwidth ?? 25e9
            guard memoryBandwidth > 0 else { throw f["memory_bandwidth"]!.expected("a positive bandwidth") }
            let gpuBandwidth = try f.quantity("gpu_memory_bandwidth", UnitParser.bandwidth) ?? (gpu > 0 ? base?.gpuMemoryBandwidth ?? 0 : 0)
            guard gpu == 0 || gpuBandwidth > 0 else { throw (f["gpu"] ?? e).fail("a GPU needs `gpu_memory_bandwidth`") }
            let idle = try f.quantity("idle_power", UnitParser.power) ?? base!.idleWatts
            let busy = try f.quantity("busy_power", UnitParser.power) ?? base!.busyWatts
            guard busy >= idle else { throw (f["busy_power"] ?? f["idle_power"]!).fail("busy power \(fmt(busy)) W is below idle power \(fmt(idle)) W") }
            let down = try f.quantity("downlink", UnitParser.bandwidth) ?? base!.downlink
            let up = try f.quantity("uplink", UnitParser.bandwidth) ?? base!.uplink
            guard down > 0 else { throw f["downlink"]!.expected("a positive bandwidth") }
            guard up > 0 else { throw f["uplink"]!.expected("a positive bandwidth") }
            let latency = try f.quantity("access_latency", boundedDuration) ?? base?.accessLatency.seconds ?? 0.01
            let price = try f.quantity("price", UnitParser.money) ?? base?.pricePerHour ?? 0
            let unified = try f.read("unified_memory") { x throws(ScenarioError) in try x.bool() } ?? base?.unifiedMemory ?? false
            let cpuSpeedup = try dtypeSpeedup(&f, "cpu_dtype_speedup", base?.cpuDTypeSpeedup ?? .none)
            let gpuSpeedup = try dtypeSpeedup(&f, "gpu_dtype_speedup", base?.gpuDTypeSpeedup ?? .none)
            var availability = base?.availability ?? .alwaysOn
            if let a = f["availability"] {
                let (model, node) = try self.availability(a)
                availability = model
                f.put("availability", node)
            }
            // Canonical: every figure written out with its unit.
            f.put("cpu", Node(fmt(cpu) + " FLOP/s")); f.put("cores", Node(String(cores)))
            f.put("gpu", Node(fmt(gpu) + " FLOP/s")); f.put("gpu_memory", Node(fmt(gpuMemory) + " B"))
            f.put("memory", Node(fmt(memory) + " B")); f.put("memory_bandwidth", Node(fmt(memoryBandwidth) + " B/s"))
            if gpu > 0 { f.put("gpu_memory_bandwidth", Node(fmt(gpuBandwidth) + " B/s")) }
            f.put("unified_memory", Node(unified ? "true" : "false"))
            f.put("idle_power", Node(fmt(idle) + " W")); f.put("busy_power", Node(fmt(busy) + " W"))
            f.put("downlink", Node(fmt(down) + " B/s")); f.put("uplink", Node(fmt(up) + " B/s"))
            f.put("access_latency", Node(fmt(latency) + "s")); f.put("price", Node("$" + fmt(price) + "/h"))
            // Without `base`, the default is written out; with one, `base` stands for it.
            if f.out["availability"] == nil && base == nil { f.put("availability", Node("always-on")) }
            guard classes.count < 200 else { throw e.fail("too many device classes (at most 200 can be defined)") }
            classes.append(DeviceClass(name: n, cpuFlops: cpu, cores: cores, gpuFlops: gpu, gpuMemory: gpuMemory, memory: memory,
                                       memoryBandwidth: memoryBandwidth, gpuMemoryBandwidth: gpuBandwidth, idleWatts: idle,
                                       busyWatts: busy, downlink: down, uplink: up, accessLatency: SimDuration(seconds: latency),
                                       availability: availability, pricePerHour: price,
                                       sources: (base?.sources ?? []) + ["defined in \(file) (\(e.path))"],
                                       unifiedMemory: unified, cpuDTypeSpeedup: cpuSpeedup, gpuDTypeSpeedup: gpuSpeedup))
            out.append(f.node)
        }
        top.put("device_classes", .sequence(Node.Sequence(out)))
    }

    /// `cpu_dtype_speedup` / `gpu_dtype_speedup`: `{ fp16, bf16, int8 }`, each a multiple of the
    /// FP32 peak; a dtype left out keeps `inherited`'s. Written out whole in the canonical form.
    func dtypeSpeedup(_ f: inout Section, _ key: String, _ inherited: DTypeSpeedup) throws(ScenarioError) -> DTypeSpeedup {
        var s = inherited
        if let field = f[key] {
            let d = try field.mapping(allowed: ["fp16", "bf16", "int8"])
            for (name, x) in d {
                let v = try x.number()
                guard v > 0 else { throw x.expected("a number > 0 (a multiple of the FP32 peak)") }
                switch name {
                case "fp16": s.fp16 = v
                case "bf16": s.bf16 = v
                default: s.int8 = v
                }
            }
        }
        f.put(key, .mapping(Node.Mapping([(Node("fp16"), Node(fmt(s.fp16))), (Node("bf16"), Node(fmt(s.bf16))),
                                          (Node("int8"), Node(fmt(s.int8)))], .implicit, .flow)))
        return s
    }

    /// The top-level `availability`: class name → model, overriding the class's own.
    mutating func classAvailability(_ top: inout Section) throws(ScenarioError) {
        guard let map = top["availability"] else { return }
        guard case .mapping(let m) = map.node else { throw map.fail("expected a mapping from class names to availability, found \(map.kind)") }
        var out: [(Node, Node)] = []
        for (k, v) in m {
            let key = map.child(k.string ?? "", k)
            let name = try key.oneOf(classNames, "device class")
            let (model, node) = try availability(map.child(name, v))
            let i = classes.firstIndex { $0.name == name }!
            classes[i].availability = model
            out.append((Node(name), node))
        }
        top.put("availability", .mapping(Node.Mapping(out)))
    }

    // MARK: fleet

    mutating func fleet(_ top: inout Section) throws(ScenarioError) -> ([Fleet.Share], [Int32]) {
        var shares: [Fleet.Share] = []
        var sites: [Int32] = []
        var fractions: [(Double, YAMLField)] = []
        var out: [Node] = []
        let total = try top.int("fleet_total", min: 0)
        let entries = try top["fleet"]!.sequence()
        for e in entries {
            var f = try Section(e, "fleet[]")
            var className = try f.oneOf("class", classNames, "device class")!
            let region = try f.oneOf("region", regionNames, "region")!
            var site: Int32 = -1
            if let s = try f.oneOf("site", siteNames, "edge site") {
                let i = siteNames.firstIndex(of: s)!
                guard regionNames[siteRegions[i]] == region else {
                    throw f["site"]!.fail("edge site `\(s)` is in region `\(regionNames[siteRegions[i]])`, not `\(region)`")
                }
                // A site is a shared backhaul link: it shapes traffic only when transfers are flows.
                guard flows else {
                    throw f["site"]!.fail("edge site `\(s)` has no effect with the `latency` network model; leave `network.model` out or set it to `flows` (the backhaul is then a shared link), or remove `site`")
                }
                site = Int32(i)
            }
            try lending(&f)
            if let a = f["availability"] {
                let (model, node) = try availability(a)
                var derived = classes.first { $0.name == className }!
                derived.availability = model
                derived.name = "\(className)@\(e.path)"
                guard classes.count < 256 else { throw a.fail("too many device classes (at most 256, counting one per fleet entry with its own availability)") }
                classes.append(derived)
                className = derived.name
                f.put("availability", node)
            }
            switch (f["count"], f["fraction"]) {
            case (nil, nil): throw e.fail("missing `count` (or `fraction` of `fleet_total`)")
            case (.some, .some): throw f["fraction"]!.fail("give `count` or `fraction`, not both")
            case (.some, nil):
                if total != nil { throw f["count"]!.fail("with `fleet_total`, every entry gives a `fraction`") }
                shares.append(.init(className: className, region: region, count: try f.int("count", min: 0)!))
            case (nil, .some(let x)):
                guard total != nil else { throw x.fail("a `fraction` needs `fleet_total` at the top level") }
                fractions.append((try f.read("fraction") { y throws(ScenarioError) in try y.fraction() }!, x))
                shares.append(.init(className: className, region: region, count: 0))
            }
            sites.append(site)
            out.append(f.node)
        }
        if let total {
            guard fractions.count == shares.count else { throw top["fleet_total"]!.fail("with `fleet_total`, every fleet entry gives a `fraction`") }
            let sum = fractions.reduce(0) { $0 + $1.0 }
            guard abs(sum - 1) < 1e-6 else { throw top["fleet"]!.fail("fractions add up to \(fmt(sum)); expected 1") }
            // Largest remainders, as Fleet(total:fractions:) does.
            let exact = fractions.map { Double(total) * $0.0 / sum }
            var counts = exact.map { Int($0.rounded(.down)) }
            let order = exact.indices.sorted { (exact[$0] - Double(counts[$0]), $1) > (exact[$1] - Double(counts[$1]), $0) }
            for i in order.prefix(total - counts.reduce(0, +)) { counts[i] += 1 }
            for i in shares.indices { shares[i].count = counts[i] }
        }
        leaveOutRefusedLends(&shares)
        // Clusters: their nodes join the fleet, with the NIC as access link.
        if let list = top["clusters"] {
            var cout: [Node] = []
            var names: [String] = []
            for c in try list.sequence() {
                var f = try Section(c, "clusters[]")
                let n = try f.string("name")!
                guard !names.contains(n) else { throw f["name"]!.fail("cluster `\(n)` is listed twice") }
                names.append(n)
                let region = try f.oneOf("region", regionNames, "region")!
                let nodes = try f.int("nodes", min: 1)!
                let cls = try f.oneOf("class", classNames, "device class")!
                let nic = try f.quantity("nic", UnitParser.bandwidth)!
                guard nic > 0 else { throw f.valueField("nic")!.expected("a positive bandwidth") }
                var derived = classes.first { $0.name == cls }!
                derived.name = "\(cls)@\(n)"
                derived.downlink = nic; derived.uplink = nic
                try kubernetesNode(&derived, &f)
                // A cluster is always on unless it says otherwise: its nodes do not inherit
                // the churn of the class they are made of (a phone class's, say).
                if let a = f["availability"] {
                    let (model, node) = try availability(a)
                    derived.availability = model
                    f.put("availability", node)
                } else {
                    derived.availability = .alwaysOn
                    f.put("availability", Node("always-on"))
                }
                guard classes.count < 256 else { throw c.fail("too many device classes (at most 256, counting one per cluster)") }
                classes.append(derived)
                shares.append(.init(className: derived.name, region: region, count: nodes))
                sites.append(-1)
                fleetOwners.append(-1); fleetLendTo.append(.anyone)
                cout.append(f.node)
            }
            top.put("clusters", .sequence(Node.Sequence(cout)))
        }
        guard shares.contains(where: { $0.count > 0 }) else { throw top["fleet"]!.fail("expected at least one device") }
        let n = shares.reduce(0) { $0 + $1.count }
        guard n <= Int(UInt32.max) else { throw top["fleet"]!.fail("\(n) devices; at most \(UInt32.max) fit a device id") }
        top.put("fleet", .sequence(Node.Sequence(out)))
        return (shares, sites)
    }

    // MARK: availability

    /// An availability model and its canonical form.
    func availability(_ field: YAMLField) throws(ScenarioError) -> (AvailabilityModel, Node) {
        if case .scalar = field.node {
            let v = try field.string()
            guard v == "always-on" else { throw field.fail("expected `always-on` or a mapping with `model`, found `\(v)`") }
            return (.alwaysOn, Node("always-on"))
        }
        let kinds = ["always-on", "renewal", "trace"]
        var f = try Section(field, "availability")
        let kind = try f.oneOf("model", kinds, "availability model")!
        let perKind: [String: [String]] = ["always-on": ["model"],
                                           "renewal": ["model", "on", "off", "initial_on", "window", "window_jitter"],
                                           "trace": ["model", "trace", "format", "loop", "window", "window_jitter"]]
        for k in f.fields.keys.sorted() where !perKind[kind]!.contains(k) {
            throw f[k]!.fail("`\(k)` does not apply to model `\(kind)` (it takes: \(perKind[kind]!.joined(separator: ", ")))")
        }
        let source: AvailabilitySource
        switch kind {
        case "always-on":
            source = .alwaysOn
        case "renewal":
            guard let on = f["on"] else { throw field.fail("missing `on` (a renewal model needs `on` and `off` laws)") }
            guard let off = f["off"] else { throw field.fail("missing `off` (a renewal model needs `on` and `off` laws)") }
            let (onLaw, onNode) = try law(on)
            let (offLaw, offNode) = try law(off)
            // The stationary start needs E[on]/(E[on]+E[off]): refuse a law with no mean.
            for (d, node) in [(onLaw, on), (offLaw, off)] where !d.mean.isFinite {
                throw node.fail("this law has an infinite mean (a pareto needs shape > 1): the long-run ON fraction E[on]/(E[on]+E[off]) and the stationary start are undefined")
            }
            f.put("on", onNode); f.put("off", offNode)
            source = .renewal(on: onLaw, off: offLaw)
        default:
            guard let t = f["trace"] else { throw field.fail("missing `trace` (the trace file)") }
            let path = try existingFile(t)
            _ = try f.string("trace")
            let format = try f.oneOf("format", AvailabilityTraceReader.Format.allCases.map(\.rawValue), "trace format")
                .map { AvailabilityTraceReader.Format(rawValue: $0)! } ?? (path.hasSuffix(".tab") ? .fta : .csv)
            f.put("format", Node(format.rawValue))
            let loaded: AvailabilityTraceReader.Loaded
            do { loaded = try AvailabilityTraceReader.read(path: path, format: format) } catch {
                throw t.fail("cannot read the trace: \(error.description)")
            }
            let loop = try f.read("loop") { x throws(ScenarioError) in try x.bool() } ?? false
            f.put("loop", Node(loop ? "true" : "false"))
            source = .trace(loaded.trace, loop: loop)
        }
        let initial = try f.read("initial_on") { x throws(ScenarioError) in try x.fraction() }
        var window: WeeklyWindow?
        if let w = f["window"] {
            let (win, node) = try self.window(w)
            window = win
            f.put("window", node)
        }
        let jitter = try f.quantity("window_jitter", boundedDuration) ?? 0
        if window == nil, let j = f["window_jitter"] { throw j.fail("`window_jitter` needs a `window`") }
        if window != nil { f.put("window_jitter", Node(fmt(jitter) + "s")) }
        guard jitter < Double(1 << 23) else { throw f["window_jitter"]!.fail("expected a jitter under 97 days") }
        return (AvailabilityModel(source: source, window: window, windowJitter: jitter, initialOnProbability: initial), f.node)
    }

    /// A duration law and its canonical form.
    func law(_ field: YAMLField) throws(ScenarioError) -> (any Distribution, Node) {
        let laws: [String: [String]] = ["exponential": ["mean"], "weibull": ["shape", "scale"], "lognormal": ["median", "sigma"],
                                        "gamma": ["shape", "scale"], "pareto": ["shape", "scale"], "uniform": ["min", "max"]]
        let names = ["exponential", "weibull", "lognormal", "gamma", "pareto", "uniform"]
        let peek = try field.mapping(allowed: ScenarioSchema.keys("law"), required: ["law"])
        let name = try peek["law"]!.oneOf(names, "law")
        for k in peek.keys.sorted() where k != "law" && !laws[name]!.contains(k) {
            throw peek[k]!.fail("`\(k)` does not apply to law `\(name)` (it takes: \(laws[name]!.joined(separator: ", ")))")
        }
        var f = try Section(field, "law", only: ["law"] + laws[name]!)
        _ = try f.string("law")
        for k in laws[name]! where f[k] == nil { throw field.fail("missing `\(k)` (\(name) takes \(laws[name]!.joined(separator: " and ")))") }
        func positive(_ k: String, duration: Bool) throws(ScenarioError) -> Double {
            let v = duration ? try f.quantity(k, boundedDuration)! : try f.number(k)!
            guard v > 0 else { throw f[k]!.expected("a value > 0") }
            return v
        }
        let d: any Distribution
        switch name {
        case "exponential": d = Exponential(mean: try positive("mean", duration: true))
        case "weibull": d = Weibull(shape: try positive("shape", duration: false), scale: try positive("scale", duration: true))
        case "gamma": d = Gamma(shape: try positive("shape", duration: false), scale: try positive("scale", duration: true))
        case "pareto": d = Pareto(shape: try positive("shape", duration: false), scale: try positive("scale", duration: true))
        case "lognormal": d = LogNormal(mu: log(try positive("median", duration: true)), sigma: try positive("sigma", duration: false))
        default:
            let lo = try f.quantity("min", boundedDuration)!, hi = try f.quantity("max", boundedDuration)!
            guard hi > lo else { throw f["max"]!.fail("expected `max` above `min`") }
            d = Uniform(lo, hi)
        }
        return (d, DocumentPath.flow(f.node))
    }

    /// An opt-in window and its canonical form.
    func window(_ field: YAMLField) throws(ScenarioError) -> (WeeklyWindow, Node) {
        let f = try Section(field, "window")
        guard f.fields.count == 1, let (key, value) = f.fields.first else {
            throw field.fail("expected exactly one of daily, off_work, weekly")
        }
        func hours(_ v: YAMLField) throws(ScenarioError) -> (Double, Double) {
            let s = try v.string()
            let parts = s.split(separator: "-").map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, let a = clock(parts[0]), let b = clock(parts[1]), a != b else {
                throw v.fail("expected `HH:MM-HH:MM` (e.g. `23:00-07:00`), found `\(s)`")
            }
            return (a / 3600, b / 3600)
        }
        let w: WeeklyWindow
        switch key {
        case "daily": let (a, b) = try hours(value); w = .daily(fromHour: a, toHour: b)
        case "off_work":
            let (a, b) = try hours(value)
            guard 0 < a && a < b && b < 24 else {
                throw value.fail("expected working hours inside a day, start before end (e.g. `09:00-17:00`), found `\(try value.string())`")
            }
            w = .offWork(fromHour: a, toHour: b)
        default:
            var intervals: [(start: Int64, end: Int64)] = []
            for iv in try value.sequence() {
                let s = try iv.string()
                let parts = s.split(separator: "-").map { $0.trimmingCharacters(in: .whitespaces) }
                guard parts.count == 2, let a = weekInstant(parts[0]), let b = weekInstant(parts[1]), a != b else {
                    throw iv.fail("expected `Day HH:MM-Day HH:MM` (e.g. `Mon 09:00-Fri 17:00`; days Mon…Sun), found `\(s)`")
                }
                intervals.append((Int64(a), Int64(b > a ? b : b + 7 * 86_400)))
            }
            guard !intervals.isEmpty else { throw value.fail("expected at least one interval") }
            w = WeeklyWindow(secondsOfWeek: intervals)
        }
        return (w, .mapping(Node.Mapping([(Node(key), DocumentPath.flow(value.node))], .implicit, .flow)))
    }
}

/// Seconds of the day from `HH:MM`.
func clock(_ s: String) -> Double? {
    let p = s.split(separator: ":")
    guard p.count == 2, let h = Int(p[0]), let m = Int(p[1]), (0...24).contains(h), (0..<60).contains(m), h * 60 + m <= 1440 else { return nil }
    return Double(h * 3600 + m * 60)
}

/// Seconds since Monday 00:00 from `Day HH:MM`.
func weekInstant(_ s: String) -> Double? {
    let days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    let p = s.split(separator: " ", omittingEmptySubsequences: true)
    guard p.count == 2, let d = days.firstIndex(of: String(p[0])), let c = clock(String(p[1])) else { return nil }
    return Double(d * 86_400) + c
}

/// A number as the shortest text that reads back to it, without a `+` in the exponent (the
/// unit parser's grammar): `1e+06` → `1000000`, `1.6e+11` → `160000000000`.
func fmt(_ v: Double) -> String {
    if v == v.rounded(), abs(v) < 1e18 { return String(Int64(v)) }
    return "\(v)".replacingOccurrences(of: "e+", with: "e")
}
