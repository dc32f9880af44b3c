import SwarmKernel

/// An elastic pool: rented devices (cloud VMs, Kubernetes nodes) that grow and shrink with
/// demand between `minSize` and `maxSize`, behind the volunteer fleet.
///
/// The fleet holds the pool's `maxSize` device slots from the start (ids `firstDevice ..<
/// firstDevice + maxSize`, flat arrays as every device); a slot is *off* until provisioned,
/// *booting* for `provisioningDelay` after its request, then *up* (online to the scheduler)
/// until released. Every `evaluationInterval` the pool compares the size its `rule` wants
/// (`desiredSize`) with its size (booting + up) and, outside `cooldown` after its last scale
/// event, adds at most `stepUp` slots or releases at most `stepDown` idle up slots (highest
/// id first), the latter never while a slot still boots (warm-up). Running work is never
/// killed: a busy device is not released, so a scale-down may release fewer than asked.
///
/// Billing: each lease, from the request (clouds bill while a VM boots) to the release, is
/// rounded up to a whole number of `billingGranularity` and priced at `pricePerHour`
/// (`billedSeconds`). The rules are target tracking as in AWS EC2 Auto Scaling ("Target
/// tracking scaling policies": capacity in proportion to the metric over its target) and
/// the Kubernetes Horizontal Pod Autoscaler's `desired = ceil(current · metric / target)`
/// (kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale, "Algorithm details").
public struct ElasticPool: Sendable, Equatable {
    /// What the pool tracks.
    public enum Rule: Sendable, Equatable {
        /// Busy devices / up devices held at this fraction (0 < target ≤ 1): desired =
        /// ⌈busy / target⌉ — HPA's ⌈up · (busy/up) / target⌉. From zero up devices, one when
        /// tasks wait.
        case utilisation(Double)
        /// Outstanding tasks (queued, plus running on the pool) per device held at this
        /// number: desired = ⌈(queued + busy) / target⌉ (KEDA's queue-length scaler).
        case queuePerDevice(Double)
    }

    public var name: String
    /// The pool's first device id; its slots are `firstDevice ..< firstDevice + maxSize`.
    public var firstDevice: Int
    public var minSize: Int
    public var maxSize: Int
    /// Devices up at t = 0 (leased from 0), in minSize…maxSize.
    public var initialSize: Int
    public var rule: Rule
    /// Most slots added / released by one scale event (≥ 1).
    public var stepUp: Int
    public var stepDown: Int
    /// No scale event within this long after the previous one.
    public var cooldown: SimDuration
    /// How often the rule is evaluated (a kernel event per pool per interval).
    public var evaluationInterval: SimDuration
    /// From request to the device being online.
    public var provisioningDelay: SimDuration
    /// A lease is billed in whole multiples of this (1 s: per-second billing; 1 h: hourly).
    public var billingGranularity: SimDuration
    /// US dollars per device-hour billed (the device class's price).
    public var pricePerHour: Double

    public init(name: String, firstDevice: Int, minSize: Int, maxSize: Int, initialSize: Int? = nil, rule: Rule,
                stepUp: Int = 1, stepDown: Int = 1, cooldown: SimDuration = .seconds(60),
                evaluationInterval: SimDuration = .seconds(30), provisioningDelay: SimDuration = .seconds(90),
                billingGranularity: SimDuration = .seconds(1), pricePerHour: Double) {
        precondition(minSize >= 0 && maxSize >= max(minSize, 1), "pool sizes need 0 ≤ min ≤ max, max ≥ 1")
        precondition(stepUp >= 1 && stepDown >= 1, "pool steps must be ≥ 1")
        precondition(evaluationInterval.ticks > 0 && billingGranularity.ticks > 0, "pool intervals must be positive")
        precondition(cooldown.ticks >= 0 && provisioningDelay.ticks >= 0, "pool delays must be ≥ 0")
        switch rule {
        case .utilisation(let u): precondition(u > 0 && u <= 1, "a utilisation target lies in (0, 1]")
        case .queuePerDevice(let q): precondition(q > 0, "a queue target is > 0")
        }
        self.name = name; self.firstDevice = firstDevice; self.minSize = minSize; self.maxSize = maxSize
        self.initialSize = initialSize ?? minSize
        precondition((minSize...maxSize).contains(self.initialSize), "a pool's initial size lies in min…max")
        self.rule = rule; self.stepUp = stepUp; self.stepDown = stepDown; self.cooldown = cooldown
        self.evaluationInterval = evaluationInterval; self.provisioningDelay = provisioningDelay
        self.billingGranularity = billingGranularity; self.pricePerHour = pricePerHour
    }

    /// The pool's device ids.
    public var devices: Range<Int> { firstDevice..<(firstDevice + maxSize) }

    /// The size the rule asks for, clamped to minSize…maxSize, given the devices up, the
    /// pool's devices running an attempt and the tasks waiting for one.
    public func desiredSize(up: Int, busy: Int, queued: Int) -> Int {
        let wanted: Int
        switch rule {
        case .utilisation(let target):
            wanted = up == 0 ? (queued > 0 ? 1 : 0) : Int((Double(busy) / target).rounded(.up))
        case .queuePerDevice(let target):
            wanted = Int((Double(queued + busy) / target).rounded(.up))
        }
        return min(maxSize, max(minSize, wanted))
    }

    /// Seconds billed for a lease of `ticks`: rounded up to whole granules (a lease of 0 is
    /// billed nothing).
    public func billedSeconds(leaseTicks ticks: Int64) -> Double {
        let g = billingGranularity.ticks
        let granules = ticks <= 0 ? 0 : (ticks + g - 1) / g
        return Double(granules) * billingGranularity.seconds
    }
}

/// What one pool was billed over a run, and how it moved.
public struct PoolBill: Sendable, Equatable {
    public var name: String
    /// Σ lease lengths (request to release; leases open at the end of the billing period
    /// close there), seconds.
    public var provisionedSeconds: Double = 0
    /// Σ leases each rounded up to the billing granularity, seconds.
    public var billedSeconds: Double = 0
    /// billedSeconds / 3600 · price per hour.
    public var usd: Double = 0
    /// Scale events up and down, and the largest size (booting + up) reached.
    public var scaleUps = 0
    public var scaleDowns = 0
    public var peakSize = 0

    public init(name: String) { self.name = name }
}
