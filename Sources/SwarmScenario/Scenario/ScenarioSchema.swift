/// Every field of a scenario file (schema version 1), in one table: the parser takes each
/// section's allowed keys, required keys and default values from here, `--explain` fills the
/// defaults from here, and `docs/scenarios.md` is generated from here (a test checks it).
public enum ScenarioSchema {
    /// Whether a field must be given, may be left out, or has a default.
    public enum Presence: Sendable, Equatable {
        case required
        /// May be left out; `meaning` says what leaving it out does.
        case optional
        /// Left out, it takes this value (YAML text, with its unit).
        case value(String)
    }

    /// One field: where it lives (`section`), its key, what it holds, its default.
    public struct Field: Sendable {
        public var section: String
        public var key: String
        public var type: String
        public var presence: Presence
        public var meaning: String
    }

    /// The sections, in the order the reference lists them, with a line each.
    public static let sections: [(name: String, summary: String)] = [
        ("", "The top level of a scenario file."),
        ("regions[]", "A region: a time zone and a WAN attachment."),
        ("edge_sites[]", "An edge site (a shop, school, base station) with a shared backhaul, in a region."),
        ("clusters[]", "A cluster: always-on nodes of one class in a region, each with a fast NIC; its nodes join the fleet. With `max_pods` > 1 it is a Kubernetes node pool: each node runs several tasks at once as pods, within its `cores`, `memory` and `gpus` (a workload's `pod` says what its tasks request); going offline, a node loses every pod on it."),
        ("pools[]", "An elastic pool (cloud VMs, Kubernetes nodes) of one class in a region that grows and shrinks with demand between `min` and `max`: every `evaluate_every` its `rule` gives a desired size; outside `cooldown` after its last scale event it requests at most `step_up` devices (online after `provisioning_delay`) or releases at most `step_down` idle ones (never while one still boots; running work is never killed). Each lease, request to release, is billed rounded up to `billing_granularity` at the class's `price`. Its `max` device slots join the fleet after the clusters' nodes, always on while provisioned. `validate` refuses pools (docs/models/elasticity.md)."),
        ("pools[].rule", "What a pool tracks: exactly one of `utilisation` (busy / up devices of the pool held at this fraction: desired = ⌈busy / target⌉; from zero devices, one when tasks wait) or `queue_per_device` (tasks queued plus running on the pool, per device: desired = ⌈(queued + busy) / target⌉), clamped to `min`…`max`."),
        ("device_classes[]", "A device class defined in the file, from scratch or from a `base` class with some figures changed."),
        ("availability", "How devices come and go: `always-on`, an ON/OFF renewal process, or a trace. Used under `device_classes[]`, `fleet[]` and the top-level `availability` (a mapping from class name to this)."),
        ("law", "A probability law of durations (ON/OFF periods, jitter). `law` picks it; each law takes only its own parameters."),
        ("window", "An opt-in window in local time: exactly one of `daily`, `off_work` or `weekly`."),
        ("fleet[]", "A share of the fleet: devices of a class in a region, as a count, or as a fraction of `fleet_total`."),
        ("network", "Latencies and bandwidth sharing between regions."),
        ("network.rtt[]", "One measured round-trip time between two regions (the other direction is the same unless given)."),
        ("network.access[]", "Access-link overrides for a device class."),
        ("workloads[]", "One workload: exactly one of `bag`, `requests`, `traced_requests`, `training`, `federated`, `pipeline`, `dag`. Every kind also takes `tenant`, `data_region`, `residency`, `private`, `pod` and `input_object`."),
        ("pod", "What each task of a workload requests as a pod on Kubernetes nodes (`clusters[].max_pods` > 1), and its CPU limit; other devices ignore it. A pod starts only on a node whose free (unrequested) cores, memory and GPUs hold its requests. Pods computing on a node share its cores in proportion to their CPU requests, none above its `cpu_limit`, spare cores going to the others (Linux CFS shares and quota as the kubelet sets them), re-shared whenever a pod starts or stops computing; a pod computes at the node's CPU FLOP/s × its cores / the node's cores, with a GPU only if it requests one (docs/models/kubernetes.md). Requests larger than every node are refused."),
        ("bag", "A bag of independent tasks released at once (BOINC work units), optionally replicated for voting."),
        ("requests", "Online inference: Poisson arrivals with a latency SLO."),
        ("traced_requests", "Online inference replaying request arrival times from a file (`arrival_s` CSV)."),
        ("training", "Synchronous data-parallel training: per round, `workers` gradient steps and a barrier."),
        ("federated", "Federated learning rounds (FedAvg): clients train locally, the server averages the first reports."),
        ("pipeline", "Pipeline-parallel inference (Petals): each request passes through `stages` devices in turn."),
        ("dag", "A task graph given task by task; `instances` copies of it are submitted."),
        ("dag.tasks[]", "One task of a task graph."),
        ("work", "What a task computes: exactly one of `seconds`, a kernel (`gemm`, `conv2d`, `attention`, `elementwise`, `reduction`), a layer preset (`transformer_block`, `resnet_block`, `mlp`: kernels run in order as one task, costed as the sum of their parts) or a `sequence` of kernels and presets. Sizes are element counts (whole numbers ≥ 1); `dtype` is `fp32` (default), `fp16`, `bf16` or `int8` and sets bytes per element and, on devices with faster narrow arithmetic, the matrix-multiply rate (docs/models/compute.md)."),
        ("tenants[]", "Who submits work or lends devices, with a role, a weighted fair share and a quota. Roles grant permissions: `admin` everything, over anyone's work (submit, cancel, read results, lend devices); `researcher` submits, cancels and reads its own work; `contributor` lends devices (`fleet[].owner`). An action a role does not grant — a contributor's workload, a researcher's lending — is refused and counted in the results' `access` table."),
        ("trust", "Who lies, and how results are checked."),
        ("speculation", "Backup attempts for stragglers (MapReduce backup tasks); `off` or left out: none."),
        ("policies[]", "A scheduling policy: its name, or `{ name: …, parameters: { … } }`. Each policy declares its parameters (name, type and unit, default); `docs/policies.md` lists the built-ins'. A policy listed with parameters that differ from its defaults runs as `name(key=value, …)`, so one policy may be listed several times with different parameters."),
        ("outputs", "Where results go."),
        ("targets", "What every run must reach (`docs/sizing.md`). Each run checks them: `swarmlab run` prints met or not met, the results' `/summary` records the limit and the verdict (`METRIC_target`, `METRIC_met`, `targets_met`); `swarmlab size` searches for the cheapest fleet whose replications meet them all with confidence."),
        ("storage", "Objects stored on the fleet's own devices (docs/models/storage.md): each object cut into segments, each segment kept as `replicas` copies or `erasure`-coded K-of-N pieces (any K rebuild it) on devices that lend storage (`classes`). A piece on an offline device is unavailable, on a departed one lost; when a segment's live pieces fall below `repair_threshold`, repair reads K pieces and writes new ones on devices the `placement` policy chooses, as transfers with time and energy. `swarmlab run` prints the storage figures and writes the `/objects` and `/storage_timeline` tables."),
        ("storage.classes[]", "What devices of a class lend for pieces, and how long they stay before leaving for good (exponential lifetimes)."),
        ("storage.objects[]", "A kind of object: how many, their size and chunking, their redundancy (exactly one of `replicas` and `erasure`), when repair starts, who reads them and where they may be stored."),
        ("sizing", "How `swarmlab size` searches (`docs/sizing.md`): the fleet fields it varies, the replications per candidate and the confidence. Runs ignore it."),
        ("sizing.axes[]", "One integer field `size` varies between `min` and `max` (every `step`): a fleet entry's `count`, a cluster's `nodes`, or any whole-number field (an elastic pool's size) with its `unit_price`. More of it must never make a target harder to meet."),
    ]

    public static let fields: [Field] = ownFields + ["bag", "requests", "traced_requests", "training", "federated", "pipeline", "dag"].flatMap { kind in [
        Field(section: kind, key: "tenant", type: "tenant name", presence: .optional, meaning: "who submits it (default: the first tenant)"),
        Field(section: kind, key: "data_region", type: "region name", presence: .optional, meaning: "where its input data lives (default: the first region; a child task's data is where its last parent ran)"),
        Field(section: kind, key: "residency", type: "list of region names", presence: .optional, meaning: "regions its tasks may run in (default: anywhere)"),
        Field(section: kind, key: "private", type: "boolean", presence: .value("false"), meaning: "the data never leaves its tenant's own devices (`fleet[].owner`): its tasks run only there"),
        Field(section: kind, key: "pod", type: "`pod`", presence: .optional, meaning: "what its tasks request on Kubernetes nodes (default: 1 core, the working set's memory, no GPU, no limit)"),
        Field(section: kind, key: "input_object", type: "a `storage.objects` name", presence: .optional, meaning: "its tasks' input is an object of this kind stored on the devices (task i reads object i mod `count`), fetched from the k nearest live holders into the device's `storage.cache`; unreadable, it comes from `data_region` (default: from `data_region`)"),
    ] }

    static let ownFields: [Field] = [
        // top level
        Field(section: "", key: "version", type: "integer", presence: .required, meaning: "schema version: 1"),
        Field(section: "", key: "name", type: "letters, digits, `-`, `_`", presence: .required, meaning: "names the results file"),
        Field(section: "", key: "seed", type: "integer ≥ 0", presence: .value("1"), meaning: "the first run's seed: same seed, same results"),
        Field(section: "", key: "seeds", type: "list of integers ≥ 0", presence: .optional, meaning: "the runs' seeds, instead of `seed`: one replication each; `run` runs every policy under each"),
        Field(section: "", key: "replications", type: "integer ≥ 1", presence: .value("1"), meaning: "runs per policy (and per sweep point), with seeds `seed`, `seed`+1, …; with `seeds`, their count"),
        Field(section: "", key: "duration", type: "duration", presence: .required, meaning: "simulated time to run"),
        Field(section: "", key: "heartbeat_timeout", type: "duration", presence: .value("60s"), meaning: "how long before a silent device's task is re-queued"),
        Field(section: "", key: "regions", type: "list of `regions[]`", presence: .required, meaning: "at least one region"),
        Field(section: "", key: "edge_sites", type: "list of `edge_sites[]`", presence: .optional, meaning: "none: devices attach to their region directly"),
        Field(section: "", key: "clusters", type: "list of `clusters[]`", presence: .optional, meaning: "none"),
        Field(section: "", key: "pools", type: "list of `pools[]`", presence: .optional, meaning: "none: the fleet is fixed"),
        Field(section: "", key: "device_classes", type: "list of `device_classes[]`", presence: .optional, meaning: "classes beyond the built-in phone, laptop, desktop, edge-box, cloud-vm, gpu-server"),
        Field(section: "", key: "availability", type: "mapping class → `availability`", presence: .optional, meaning: "overrides a class's availability everywhere"),
        Field(section: "", key: "fleet_total", type: "integer ≥ 0", presence: .optional, meaning: "devices shared out by the fleet entries' `fraction`s (clusters add their nodes); required with fractions"),
        Field(section: "", key: "fleet", type: "list of `fleet[]`", presence: .required, meaning: "the devices"),
        Field(section: "", key: "network", type: "`network`", presence: .value("{}"), meaning: "latencies and bandwidth sharing"),
        Field(section: "", key: "workloads", type: "list of `workloads[]`", presence: .required, meaning: "at least one workload"),
        Field(section: "", key: "tenants", type: "list of `tenants[]`", presence: .optional, meaning: "one tenant, `default`, submits everything"),
        Field(section: "", key: "trust", type: "`trust`", presence: .value("{}"), meaning: "honest devices, quorum voting"),
        Field(section: "", key: "speculation", type: "`speculation` or `off`", presence: .value("off"), meaning: "backup attempts for stragglers"),
        Field(section: "", key: "policies", type: "list of `policies[]`, or one name", presence: .required, meaning: "each runs on the same fleet, tasks and seed"),
        Field(section: "", key: "outputs", type: "`outputs`", presence: .value("{}"), meaning: "where results go"),
        Field(section: "", key: "calibration", type: "file path", presence: .optional, meaning: "a `swarmlab calibrate` profile (relative to the scenario file): CPU kernel durations from its measurements instead of the data sheets' roofline (docs/calibration.md)"),
        Field(section: "", key: "storage", type: "`storage`", presence: .optional, meaning: "none: data is a region and a byte count"),
        Field(section: "", key: "targets", type: "`targets`", presence: .optional, meaning: "none: runs are not judged"),
        Field(section: "", key: "sizing", type: "`sizing`", presence: .optional, meaning: "what `swarmlab size` varies; required by it"),
        Field(section: "", key: "sweep", type: "mapping field path → list of values", presence: .optional, meaning: "a grid: every combination of the values, e.g. `fleet[0].count: [1000, 10000]`, `policies: [random, fastest-first]`"),

        Field(section: "regions[]", key: "name", type: "name", presence: .required, meaning: "the region's name"),
        Field(section: "regions[]", key: "utc_offset", type: "hours in −12…14", presence: .value("0"), meaning: "local time = UTC + offset (windows are in local time)"),
        Field(section: "regions[]", key: "wan", type: "bandwidth", presence: .value("100Gbit/s"), meaning: "capacity of the region's WAN link each way (`network.model: flows`); written out, it makes `flows` the default model"),
        Field(section: "regions[]", key: "electricity_price", type: "energy price ($/kWh, e.g. `$0.15/kWh`)", presence: .optional, meaning: "what volunteers pay for electricity (default $0.15/kWh, world household average, GlobalPetrolPrices 2024)"),
        Field(section: "regions[]", key: "carbon_intensity", type: "carbon intensity (g/kWh, e.g. `480 g/kWh`)", presence: .optional, meaning: "grams of CO₂ per kWh used there (default 480 g/kWh, world 2023, Ember Global Electricity Review 2024)"),
        Field(section: "regions[]", key: "egress_price", type: "data price ($/GB, e.g. `$0.09/GB`)", presence: .optional, meaning: "price of a gigabyte leaving the region for another (default $0.09/GB, AWS internet egress)"),

        Field(section: "edge_sites[]", key: "name", type: "name", presence: .required, meaning: "the site's name (fleet entries attach with `site`)"),
        Field(section: "edge_sites[]", key: "region", type: "region name", presence: .required, meaning: "where the site is"),
        Field(section: "edge_sites[]", key: "backhaul", type: "bandwidth", presence: .value("1Gbit/s"), meaning: "the site's shared uplink and downlink each way (`network.model: flows`, the default when the file has edge sites)"),

        Field(section: "clusters[]", key: "name", type: "name", presence: .required, meaning: "the cluster's name"),
        Field(section: "clusters[]", key: "region", type: "region name", presence: .required, meaning: "where the cluster is"),
        Field(section: "clusters[]", key: "nodes", type: "integer ≥ 1", presence: .required, meaning: "nodes, each a device of `class`"),
        Field(section: "clusters[]", key: "class", type: "class name", presence: .value("gpu-server"), meaning: "the nodes' class"),
        Field(section: "clusters[]", key: "nic", type: "bandwidth", presence: .value("100Gbit/s"), meaning: "each node's NIC, its access link each way"),
        Field(section: "clusters[]", key: "max_pods", type: "integer in 1…255", presence: .value("1"), meaning: "tasks a node runs at once as pods, each within the node's free resources (Kubernetes `maxPods`, 110 by default there); 1: one task at a time, the whole node"),
        Field(section: "clusters[]", key: "cores", type: "integer ≥ 1", presence: .optional, meaning: "each node's cores (default: the class's); the CPU's FLOP/s scale with them"),
        Field(section: "clusters[]", key: "memory", type: "size", presence: .optional, meaning: "each node's memory pods request from (default: the class's)"),
        Field(section: "clusters[]", key: "gpus", type: "integer ≥ 0", presence: .optional, meaning: "each node's GPUs, each one the class's GPU (default: the class's, 1 with a GPU); 0 leaves the GPU out"),
        Field(section: "clusters[]", key: "availability", type: "availability", presence: .value("always-on"), meaning: "how the nodes come and go: always on unless given here (not the class's own churn)"),
        Field(section: "pod", key: "cpu", type: "number > 0", presence: .value("1"), meaning: "cores requested (reserved on the node while the task runs; its share of the CPU when the node is busy)"),
        Field(section: "pod", key: "memory", type: "size", presence: .optional, meaning: "memory requested (default: the task's working set; never less than it)"),
        Field(section: "pod", key: "gpus", type: "integer ≥ 0", presence: .value("0"), meaning: "GPUs requested; without one the task computes on the CPU only"),
        Field(section: "pod", key: "cpu_limit", type: "number ≥ `cpu`", presence: .optional, meaning: "the most cores the task may use (CFS quota); none: the node's cores"),

        Field(section: "pools[]", key: "name", type: "letters, digits, `-`, `_`", presence: .required, meaning: "the pool's name (its class shows as `CLASS@NAME`)"),
        Field(section: "pools[]", key: "region", type: "region name", presence: .required, meaning: "where the pool's devices are"),
        Field(section: "pools[]", key: "class", type: "class name", presence: .value("cloud-vm"), meaning: "the devices' class; its `price` is what a device-hour is billed"),
        Field(section: "pools[]", key: "min", type: "integer ≥ 0", presence: .value("0"), meaning: "fewest devices provisioned"),
        Field(section: "pools[]", key: "max", type: "integer ≥ max(min, 1)", presence: .required, meaning: "most devices provisioned (the fleet holds this many slots)"),
        Field(section: "pools[]", key: "initial", type: "integer in min…max", presence: .optional, meaning: "devices up at t = 0, leased from 0 (default: `min`)"),
        Field(section: "pools[]", key: "rule", type: "`pools[].rule`", presence: .required, meaning: "the scaling rule"),
        Field(section: "pools[]", key: "step_up", type: "integer ≥ 1", presence: .value("1"), meaning: "most devices one scale-up requests"),
        Field(section: "pools[]", key: "step_down", type: "integer ≥ 1", presence: .value("1"), meaning: "most idle devices one scale-down releases"),
        Field(section: "pools[]", key: "cooldown", type: "duration", presence: .value("60s"), meaning: "no scale event this soon after the previous one"),
        Field(section: "pools[]", key: "evaluate_every", type: "duration", presence: .value("30s"), meaning: "how often the rule is evaluated"),
        Field(section: "pools[]", key: "provisioning_delay", type: "duration", presence: .value("90s"), meaning: "from a request to the device being online (billed: clouds bill while a VM boots)"),
        Field(section: "pools[]", key: "billing_granularity", type: "duration", presence: .value("1s"), meaning: "each lease is billed in whole multiples of this (`1s` per-second billing, `1h` hourly)"),

        Field(section: "pools[].rule", key: "utilisation", type: "fraction in (0, 1], or a percentage", presence: .optional, meaning: "target busy / up devices of the pool, e.g. `0.7` or `70%`"),
        Field(section: "pools[].rule", key: "queue_per_device", type: "number > 0", presence: .optional, meaning: "target tasks outstanding (queued, plus running on the pool) per device, e.g. `4`"),

        Field(section: "device_classes[]", key: "name", type: "name", presence: .required, meaning: "the class's name (not a built-in's)"),
        Field(section: "device_classes[]", key: "base", type: "class name", presence: .optional, meaning: "start from this class's figures; without it, `cpu`, `cores`, `memory`, power and links are required"),
        Field(section: "device_classes[]", key: "cpu", type: "FLOP/s", presence: .optional, meaning: "CPU peak, all cores"),
        Field(section: "device_classes[]", key: "cores", type: "integer ≥ 1", presence: .optional, meaning: "CPU cores"),
        Field(section: "device_classes[]", key: "gpu", type: "FLOP/s", presence: .optional, meaning: "GPU peak (`0FLOP/s`: none; default none without a base)"),
        Field(section: "device_classes[]", key: "gpu_memory", type: "size", presence: .optional, meaning: "GPU memory (needed with a GPU)"),
        Field(section: "device_classes[]", key: "memory", type: "size", presence: .optional, meaning: "RAM"),
        Field(section: "device_classes[]", key: "memory_bandwidth", type: "bandwidth", presence: .optional, meaning: "RAM bandwidth (default 25GB/s without a base)"),
        Field(section: "device_classes[]", key: "gpu_memory_bandwidth", type: "bandwidth", presence: .optional, meaning: "GPU memory bandwidth (needed with a GPU)"),
        Field(section: "device_classes[]", key: "unified_memory", type: "true or false", presence: .optional, meaning: "whether the GPU shares RAM with the CPU, so kernels copy nothing over a host link (the base's, or false without a base)"),
        Field(section: "device_classes[]", key: "cpu_dtype_speedup", type: "`{ fp16, bf16, int8 }` (numbers > 0)", presence: .optional, meaning: "matrix-multiply rate in each dtype as a multiple of the FP32 `cpu` peak, e.g. `{ fp16: 2, int8: 4 }` (the base's; 1 for every dtype without a base; a dtype left out keeps it)"),
        Field(section: "device_classes[]", key: "gpu_dtype_speedup", type: "`{ fp16, bf16, int8 }` (numbers > 0)", presence: .optional, meaning: "the same for the GPU, multiples of `gpu` (tensor cores: e.g. `{ fp16: 16, bf16: 16, int8: 32 }` for an A100)"),
        Field(section: "device_classes[]", key: "idle_power", type: "power", presence: .optional, meaning: "power drawn online and idle"),
        Field(section: "device_classes[]", key: "busy_power", type: "power", presence: .optional, meaning: "power drawn busy (≥ idle)"),
        Field(section: "device_classes[]", key: "downlink", type: "bandwidth", presence: .optional, meaning: "access link down"),
        Field(section: "device_classes[]", key: "uplink", type: "bandwidth", presence: .optional, meaning: "access link up"),
        Field(section: "device_classes[]", key: "access_latency", type: "duration", presence: .optional, meaning: "one-way latency of the access link (default 10ms without a base)"),
        Field(section: "device_classes[]", key: "price", type: "money per hour", presence: .optional, meaning: "what an hour costs (default $0/h without a base)"),
        Field(section: "device_classes[]", key: "availability", type: "`availability`", presence: .optional, meaning: "the base's, or `always-on` without a base"),

        Field(section: "availability", key: "model", type: "`always-on`, `renewal` or `trace`", presence: .required, meaning: "which kind (a bare `always-on` is also accepted for the whole mapping)"),
        Field(section: "availability", key: "on", type: "`law`", presence: .optional, meaning: "ON periods (renewal: required)"),
        Field(section: "availability", key: "off", type: "`law`", presence: .optional, meaning: "OFF periods (renewal: required)"),
        Field(section: "availability", key: "initial_on", type: "probability", presence: .optional, meaning: "chance a device starts ON (default: E[on] / (E[on] + E[off]))"),
        Field(section: "availability", key: "window", type: "`window`", presence: .optional, meaning: "the opt-in window; none: no condition"),
        Field(section: "availability", key: "window_jitter", type: "duration", presence: .optional, meaning: "each device's window shifted by a uniform draw in ± this (0s with a window)"),
        Field(section: "availability", key: "trace", type: "file path", presence: .optional, meaning: "trace file, relative to the scenario file (trace: required); device d replays host d mod hosts from its own random phase"),
        Field(section: "availability", key: "format", type: "`csv` or `fta`", presence: .optional, meaning: "the trace's format (default `fta` for `.tab` files, else `csv`)"),
        Field(section: "availability", key: "loop", type: "boolean", presence: .optional, meaning: "repeat the trace with the period of its span (default false)"),

        Field(section: "law", key: "law", type: "`exponential`, `weibull`, `lognormal`, `gamma`, `pareto`, `uniform`", presence: .required, meaning: "the law"),
        Field(section: "law", key: "mean", type: "duration", presence: .optional, meaning: "exponential: the mean"),
        Field(section: "law", key: "shape", type: "number > 0", presence: .optional, meaning: "weibull, gamma, pareto: the shape"),
        Field(section: "law", key: "scale", type: "duration", presence: .optional, meaning: "weibull, gamma, pareto: the scale"),
        Field(section: "law", key: "median", type: "duration", presence: .optional, meaning: "lognormal: the median, e^μ"),
        Field(section: "law", key: "sigma", type: "number > 0", presence: .optional, meaning: "lognormal: σ of the log"),
        Field(section: "law", key: "min", type: "duration", presence: .optional, meaning: "uniform: the lower end"),
        Field(section: "law", key: "max", type: "duration", presence: .optional, meaning: "uniform: the upper end"),

        Field(section: "window", key: "daily", type: "`HH:MM-HH:MM`", presence: .optional, meaning: "the same hours every day, local time (`23:00-07:00` wraps midnight)"),
        Field(section: "window", key: "off_work", type: "`HH:MM-HH:MM`", presence: .optional, meaning: "open outside these hours on weekdays and all weekend"),
        Field(section: "window", key: "weekly", type: "list of `Day HH:MM-Day HH:MM`", presence: .optional, meaning: "open intervals of the week, e.g. `Mon 09:00-Fri 17:00`"),

        Field(section: "fleet[]", key: "class", type: "class name", presence: .required, meaning: "a built-in class or one of `device_classes`"),
        Field(section: "fleet[]", key: "region", type: "region name", presence: .required, meaning: "where the devices are"),
        Field(section: "fleet[]", key: "count", type: "integer ≥ 0", presence: .optional, meaning: "how many (give `count` or `fraction`)"),
        Field(section: "fleet[]", key: "fraction", type: "number in 0…1", presence: .optional, meaning: "share of `fleet_total` (largest remainders make the counts add up)"),
        Field(section: "fleet[]", key: "site", type: "edge site name", presence: .optional, meaning: "attach the devices to this edge site (in their region)"),
        Field(section: "fleet[]", key: "availability", type: "`availability`", presence: .optional, meaning: "overrides the class's availability for these devices only"),
        Field(section: "fleet[]", key: "owner", type: "tenant name", presence: .optional, meaning: "the tenant lending these devices (its role must grant `lend-devices`: contributor or admin; otherwise the lending is refused, counted in the results' `access` table, and the devices left out); none: the platform's own"),
        Field(section: "fleet[]", key: "lend_to", type: "list of tenant names", presence: .optional, meaning: "with `owner`: the only tenants whose work these devices run, besides the owner's (default: every tenant)"),

        Field(section: "network", key: "model", type: "`latency` or `flows`", presence: .optional, meaning: "`latency`: each transfer gets its device's access link; `flows`: transfers share WAN, backhaul and access links max-min fairly. Left out: `flows` when the file declares a shared link (an `edge_sites[]` entry, or a region's `wan`), else `latency`"),
        Field(section: "network", key: "rtt_file", type: "file path", presence: .optional, meaning: "RTTs as CSV `from,to,rtt_ms`, relative to the scenario file"),
        Field(section: "network", key: "rtt", type: "list of `network.rtt[]`", presence: .optional, meaning: "RTTs given inline (after `rtt_file`'s, overriding them)"),
        Field(section: "network", key: "default_rtt", type: "duration", presence: .value("100ms"), meaning: "RTT between regions with no measurement"),
        Field(section: "network", key: "intra_region_rtt", type: "duration", presence: .value("10ms"), meaning: "RTT inside a region with no measurement"),
        Field(section: "network", key: "jitter", type: "`law`", presence: .optional, meaning: "extra one-way delay per transfer drawn from this law; none: no jitter"),
        Field(section: "network", key: "access", type: "list of `network.access[]`", presence: .optional, meaning: "access-link overrides per class"),

        Field(section: "network.rtt[]", key: "from", type: "region name", presence: .required, meaning: "one end"),
        Field(section: "network.rtt[]", key: "to", type: "region name", presence: .required, meaning: "the other end"),
        Field(section: "network.rtt[]", key: "rtt", type: "duration", presence: .required, meaning: "the round-trip time"),

        Field(section: "network.access[]", key: "class", type: "class name", presence: .required, meaning: "the class whose access links change"),
        Field(section: "network.access[]", key: "downlink", type: "bandwidth", presence: .optional, meaning: "access link down (default: the class's)"),
        Field(section: "network.access[]", key: "uplink", type: "bandwidth", presence: .optional, meaning: "access link up (default: the class's)"),
        Field(section: "network.access[]", key: "latency", type: "duration", presence: .optional, meaning: "one-way access latency (default: the class's)"),

        Field(section: "workloads[]", key: "bag", type: "`bag`", presence: .optional, meaning: "a bag of tasks (one kind per entry)"),
        Field(section: "workloads[]", key: "requests", type: "`requests`", presence: .optional, meaning: "Poisson inference requests"),
        Field(section: "workloads[]", key: "traced_requests", type: "`traced_requests`", presence: .optional, meaning: "requests replayed from a file"),
        Field(section: "workloads[]", key: "training", type: "`training`", presence: .optional, meaning: "synchronous training"),
        Field(section: "workloads[]", key: "federated", type: "`federated`", presence: .optional, meaning: "federated rounds"),
        Field(section: "workloads[]", key: "pipeline", type: "`pipeline`", presence: .optional, meaning: "pipeline inference"),
        Field(section: "workloads[]", key: "dag", type: "`dag`", presence: .optional, meaning: "a task graph"),

        Field(section: "bag", key: "tasks", type: "integer ≥ 0", presence: .required, meaning: "how many tasks"),
        Field(section: "bag", key: "work", type: "`work`", presence: .required, meaning: "each task's compute"),
        Field(section: "bag", key: "input", type: "size", presence: .value("0B"), meaning: "each task's input, moved from `data_region`"),
        Field(section: "bag", key: "output", type: "size", presence: .value("0B"), meaning: "each task's output, moved back"),
        Field(section: "bag", key: "replicas", type: "integer in 1…16", presence: .value("1"), meaning: "attempts run at once on distinct devices"),
        Field(section: "bag", key: "quorum", type: "integer in 1…replicas", presence: .value("1"), meaning: "matching results needed to accept"),
        Field(section: "bag", key: "release", type: "duration", presence: .value("0s"), meaning: "when the tasks arrive"),

        Field(section: "requests", key: "rate", type: "rate (`2/s`, `30/min`, `100/h`)", presence: .required, meaning: "mean arrivals per unit time"),
        Field(section: "requests", key: "count", type: "integer ≥ 0", presence: .required, meaning: "how many requests"),
        Field(section: "requests", key: "work", type: "`work`", presence: .required, meaning: "each request's compute"),
        Field(section: "requests", key: "exponential_work", type: "duration", presence: .optional, meaning: "instead of `work`'s seconds: Exp-distributed seconds with this mean (queueing checks)"),
        Field(section: "requests", key: "input", type: "size", presence: .value("0B"), meaning: "each request's input"),
        Field(section: "requests", key: "output", type: "size", presence: .value("0B"), meaning: "each request's output"),
        Field(section: "requests", key: "slo", type: "duration", presence: .optional, meaning: "latency target, from arrival; none: no deadline"),

        Field(section: "traced_requests", key: "file", type: "file path", presence: .required, meaning: "CSV with header `arrival_s`, relative to the scenario file"),
        Field(section: "traced_requests", key: "work", type: "`work`", presence: .required, meaning: "each request's compute"),
        Field(section: "traced_requests", key: "input", type: "size", presence: .value("0B"), meaning: "each request's input"),
        Field(section: "traced_requests", key: "output", type: "size", presence: .value("0B"), meaning: "each request's output"),
        Field(section: "traced_requests", key: "slo", type: "duration", presence: .optional, meaning: "latency target; none: no deadline"),

        Field(section: "training", key: "rounds", type: "integer ≥ 1", presence: .required, meaning: "synchronous rounds"),
        Field(section: "training", key: "workers", type: "integer ≥ 1", presence: .required, meaning: "gradient steps per round"),
        Field(section: "training", key: "wait_for", type: "integer in 1…workers", presence: .optional, meaning: "reports the barrier waits for, dropping stragglers (default: all workers)"),
        Field(section: "training", key: "step", type: "`work` (a kernel)", presence: .required, meaning: "one worker's gradient step"),
        Field(section: "training", key: "gradient", type: "size", presence: .required, meaning: "gradient (= model) size"),
        Field(section: "training", key: "reduction", type: "`parameter-server` or `ring`", presence: .value("parameter-server"), meaning: "how gradients are combined"),

        Field(section: "federated", key: "rounds", type: "integer ≥ 1", presence: .required, meaning: "rounds"),
        Field(section: "federated", key: "clients", type: "integer ≥ 1", presence: .required, meaning: "clients per round"),
        Field(section: "federated", key: "min_reporting", type: "integer in 1…clients", presence: .optional, meaning: "reports averaged per round (default: all clients)"),
        Field(section: "federated", key: "work", type: "`work`", presence: .required, meaning: "a client's local training"),
        Field(section: "federated", key: "model", type: "size", presence: .required, meaning: "model size, down and up per client"),
        Field(section: "federated", key: "deadline", type: "duration", presence: .optional, meaning: "the server waits this long for all clients, then averages the reports it has"),

        Field(section: "pipeline", key: "rate", type: "rate", presence: .required, meaning: "mean request arrivals per unit time"),
        Field(section: "pipeline", key: "requests", type: "integer ≥ 0", presence: .required, meaning: "how many requests"),
        Field(section: "pipeline", key: "stages", type: "integer ≥ 1", presence: .required, meaning: "devices each request passes through"),
        Field(section: "pipeline", key: "stage", type: "`work` (a kernel)", presence: .required, meaning: "one stage's compute"),
        Field(section: "pipeline", key: "activation", type: "size", presence: .value("0B"), meaning: "activations moved between stages"),
        Field(section: "pipeline", key: "slo", type: "duration", presence: .optional, meaning: "latency target per stage task, from arrival"),

        Field(section: "dag", key: "instances", type: "integer ≥ 1", presence: .value("1"), meaning: "copies of the graph submitted"),
        Field(section: "dag", key: "release", type: "duration", presence: .value("0s"), meaning: "when the graph's tasks arrive"),
        Field(section: "dag", key: "tasks", type: "list of `dag.tasks[]`", presence: .required, meaning: "tasks, parents before children"),

        Field(section: "dag.tasks[]", key: "name", type: "name", presence: .required, meaning: "names the task for `after`"),
        Field(section: "dag.tasks[]", key: "work", type: "`work`", presence: .required, meaning: "its compute"),
        Field(section: "dag.tasks[]", key: "after", type: "list of task names", presence: .optional, meaning: "parents that must finish first (listed earlier)"),
        Field(section: "dag.tasks[]", key: "input", type: "size", presence: .value("0B"), meaning: "its input"),
        Field(section: "dag.tasks[]", key: "output", type: "size", presence: .value("0B"), meaning: "its output"),
        Field(section: "dag.tasks[]", key: "replicas", type: "integer in 1…16", presence: .value("1"), meaning: "attempts at once"),
        Field(section: "dag.tasks[]", key: "quorum", type: "integer in 1…replicas", presence: .value("1"), meaning: "matching results needed"),

        Field(section: "work", key: "seconds", type: "duration", presence: .optional, meaning: "fixed time on any device"),
        Field(section: "work", key: "gemm", type: "`{ m, n, k, dtype }`", presence: .optional, meaning: "C[m×n] = A[m×k]·B[k×n]; 2·m·n·k FLOP"),
        Field(section: "work", key: "conv2d", type: "`{ in_channels, out_channels, height, width, kernel, batch, stride, padding, dtype }`", presence: .optional, meaning: "a 2-D convolution over a batch of in_channels×height×width images (NCHW), kernel×kernel, `batch` 1, `stride` 1, `padding` 0 (pixels) by default; 2·out_channels·(batch·out_h·out_w)·(in_channels·kernel²) FLOP"),
        Field(section: "work", key: "attention", type: "`{ heads, seq, head_dim, batch, dtype }`", presence: .optional, meaning: "scaled dot-product attention over `seq` tokens for batch·heads heads of `head_dim` (`batch` 1 by default); 4·batch·heads·seq²·head_dim FLOP for QKᵀ and S·V, plus 5 per score for the softmax"),
        Field(section: "work", key: "elementwise", type: "`{ count, flops_per_element, dtype }`", presence: .optional, meaning: "an elementwise pass over `count` elements (`flops_per_element` 1 by default)"),
        Field(section: "work", key: "reduction", type: "`{ count, dtype }`", presence: .optional, meaning: "a sum over `count` elements; `count` FLOP"),
        Field(section: "work", key: "transformer_block", type: "`{ d_model, heads, seq, batch, ffn, dtype }`", presence: .optional, meaning: "one transformer block over batch·seq tokens (`batch` 1, MLP width `ffn`·d_model with `ffn` 4 by default): QKV GEMM, attention with d_model/heads per head, output GEMM, residual + layer norm, MLP up, GELU, MLP down, residual + layer norm; 24·batch·seq·d_model² GEMM FLOP for ffn 4"),
        Field(section: "work", key: "resnet_block", type: "`{ channels, height, width, batch, dtype }`", presence: .optional, meaning: "a ResNet basic block without downsampling: conv 3×3, batch norm + ReLU, conv 3×3, batch norm + residual + ReLU"),
        Field(section: "work", key: "mlp", type: "`{ widths, batch, dtype }`", presence: .optional, meaning: "a multilayer perceptron on `batch` rows (1 by default): a GEMM per pair of consecutive `widths` (a list: input, hidden…, output), a ReLU after each but the last"),
        Field(section: "work", key: "sequence", type: "list of `work` (kernels and presets)", presence: .optional, meaning: "kernels run in order as one task, with one result"),

        Field(section: "tenants[]", key: "name", type: "name", presence: .required, meaning: "workloads name it with `tenant`"),
        Field(section: "tenants[]", key: "role", type: "`admin`, `researcher` or `contributor`", presence: .value("researcher"), meaning: "what the tenant may do (above); a contributor's workloads are refused"),
        Field(section: "tenants[]", key: "weight", type: "number > 0", presence: .value("1"), meaning: "share of devices relative to the others"),
        Field(section: "tenants[]", key: "quota", type: "integer ≥ 1", presence: .optional, meaning: "most attempts running at once; none: no cap"),

        Field(section: "trust", key: "validation", type: "`none`, `quorum`, `spot-check` or `credibility`", presence: .value("quorum"), meaning: "how results are checked"),
        Field(section: "trust", key: "adversaries", type: "fraction in 0…1", presence: .value("0"), meaning: "share of devices returning wrong results"),
        Field(section: "trust", key: "adversary", type: "`independent` or `colluding`", presence: .value("independent"), meaning: "colluders all return the same wrong result"),
        Field(section: "trust", key: "spot_check", type: "probability", presence: .value("0.1"), meaning: "chance a result is re-run elsewhere (`spot-check`, `credibility`)"),
        Field(section: "trust", key: "threshold", type: "probability in (0, 1)", presence: .value("0.99"), meaning: "credibility needed to accept (`credibility`)"),
        Field(section: "trust", key: "assumed_saboteurs", type: "fraction in (0, 1)", presence: .value("0.1"), meaning: "saboteur share credibility assumes (`credibility`)"),
        Field(section: "trust", key: "max_attempts", type: "integer ≥ 1", presence: .value("10"), meaning: "attempts after which plurality decides"),

        Field(section: "speculation", key: "slowdown", type: "number ≥ 1", presence: .value("1.5"), meaning: "a lone attempt slower than this × the mean gets a backup"),
        Field(section: "speculation", key: "check_every", type: "duration", presence: .value("30s"), meaning: "how often running tasks are looked over"),

        Field(section: "policies[]", key: "name", type: "policy name", presence: .required, meaning: "a registered policy (`docs/policies.md`)"),
        Field(section: "policies[]", key: "parameters", type: "mapping parameter → value", presence: .optional, meaning: "values of the parameters the policy declares, each with its unit (`extra_latency: 20ms`); left out: the policy's defaults"),

        Field(section: "outputs", key: "results", type: "file path", presence: .value("results/NAME.h5"), meaning: "the HDF5 results file (`NAME` is the scenario's name)"),
        Field(section: "outputs", key: "timeline_interval", type: "duration", presence: .value("1min"), meaning: "sampling interval of the results' timeline"),

        Field(section: "targets", key: "throughput", type: "rate (`50/s`, `3000/min`)", presence: .optional, meaning: "tasks done per second over the makespan, at least this"),
        Field(section: "targets", key: "latency_mean", type: "duration", presence: .optional, meaning: "mean time from arrival to acceptance, at most this"),
        Field(section: "targets", key: "latency_p50", type: "duration", presence: .optional, meaning: "median latency, at most this"),
        Field(section: "targets", key: "latency_p95", type: "duration", presence: .optional, meaning: "95th-percentile latency, at most this"),
        Field(section: "targets", key: "latency_p99", type: "duration", presence: .optional, meaning: "99th-percentile latency, at most this"),
        Field(section: "targets", key: "slo_attainment", type: "percentage (`99%`) or fraction in 0…1", presence: .optional, meaning: "share of tasks with a deadline accepted by it, at least this"),
        Field(section: "targets", key: "makespan", type: "duration", presence: .optional, meaning: "first arrival to last acceptance, at most this; a run that does not finish misses it"),
        Field(section: "targets", key: "cost_per_day", type: "money per day (`$500/day`) or per hour (`$20/h`)", presence: .optional, meaning: "the cloud bill (provisioned time and egress) as a daily rate, at most this"),
        Field(section: "targets", key: "energy", type: "energy (`50kWh`, `3MJ`)", presence: .optional, meaning: "energy the fleet used, at most this"),
        Field(section: "targets", key: "carbon", type: "mass of CO₂ (`20kg`, `500g`, `1.5t`)", presence: .optional, meaning: "grams of CO₂ of that energy, at most this"),

        Field(section: "storage", key: "placement", type: "`random`, `region-spread`, `reliability-aware`, `nearest-to-consumers`", presence: .value("random"), meaning: "where new pieces go (docs/models/storage.md)"),
        Field(section: "storage", key: "price_per_tb_month", type: "dollars per TB-month (number)", presence: .value("1.5"), meaning: "what providers are paid per 10¹² bytes of pieces held for 30 days (Storj pays operators $1.50)"),
        Field(section: "storage", key: "sample_every", type: "duration", presence: .value("1h"), meaning: "interval between rows of the storage timeline"),
        Field(section: "storage", key: "cache", type: "size", presence: .value("0B"), meaning: "bytes each device keeps of objects it fetched for tasks (oldest evicted first); 0: no cache"),
        Field(section: "storage", key: "classes", type: "list of `storage.classes[]`", presence: .required, meaning: "classes that lend storage; others hold no pieces"),
        Field(section: "storage", key: "objects", type: "list of `storage.objects[]`", presence: .required, meaning: "what is stored, uploaded at time 0 to devices online then"),

        Field(section: "storage.classes[]", key: "class", type: "class name", presence: .required, meaning: "the device class"),
        Field(section: "storage.classes[]", key: "capacity", type: "size", presence: .required, meaning: "bytes each device lends for pieces"),
        Field(section: "storage.classes[]", key: "lifetime", type: "duration", presence: .optional, meaning: "mean time before a device leaves for good, its pieces lost (exponential); none: devices never leave"),

        Field(section: "storage.objects[]", key: "name", type: "name", presence: .required, meaning: "names the kind of object"),
        Field(section: "storage.objects[]", key: "count", type: "integer ≥ 1", presence: .value("1"), meaning: "objects of this kind"),
        Field(section: "storage.objects[]", key: "size", type: "size", presence: .required, meaning: "bytes of one object"),
        Field(section: "storage.objects[]", key: "chunk_size", type: "size", presence: .optional, meaning: "largest segment: an object is cut into ⌈size / chunk_size⌉ equal segments, each coded apart; default: one segment"),
        Field(section: "storage.objects[]", key: "replicas", type: "integer in 1…255", presence: .optional, meaning: "whole copies per segment (any one reads it)"),
        Field(section: "storage.objects[]", key: "erasure", type: "`K-of-N`, 1 ≤ K ≤ N ≤ 255", presence: .optional, meaning: "N pieces per segment, any K rebuild it (Reed–Solomon), each 1/K of the segment"),
        Field(section: "storage.objects[]", key: "repair_threshold", type: "integer in K…N, or `off`", presence: .optional, meaning: "repair when live pieces fall below it (default ⌈(K + N) / 2⌉; replicas: K = 1, N = replicas)"),
        Field(section: "storage.objects[]", key: "consumers", type: "region name", presence: .optional, meaning: "where the objects' readers are (`nearest-to-consumers`; default: the first region)"),
        Field(section: "storage.objects[]", key: "residency", type: "list of region names", presence: .optional, meaning: "regions pieces may be stored in (default: anywhere)"),

        Field(section: "sizing", key: "axes", type: "list of `sizing.axes[]`", presence: .required, meaning: "one axis: bracketing by doubling, then bisection; several: cost-ordered search over the mix"),
        Field(section: "sizing", key: "replications", type: "integer ≥ 2", presence: .value("5"), meaning: "runs per candidate, with seeds `seed`, `seed`+1, … — the same for every candidate (common random numbers)"),
        Field(section: "sizing", key: "max_replications", type: "integer ≥ replications", presence: .optional, meaning: "sequential testing: a candidate whose interval straddles a limit doubles its replications up to this (the next seeds, the same for every candidate); none: `replications` only"),
        Field(section: "sizing", key: "confidence", type: "percentage or fraction in (0, 1)", presence: .value("95%"), meaning: "level of each target's Student-t interval; a candidate meets a target when the whole interval is on the right side of it"),
        Field(section: "sizing", key: "policy", type: "a `policies` label", presence: .optional, meaning: "the policy the candidates run under (default: the first of `policies`)"),

        Field(section: "sizing.axes[]", key: "path", type: "field path", presence: .required, meaning: "the whole-number field varied, e.g. `fleet[0].count`, `clusters[1].nodes`"),
        Field(section: "sizing.axes[]", key: "min", type: "integer ≥ 0", presence: .value("0"), meaning: "smallest value tried"),
        Field(section: "sizing.axes[]", key: "max", type: "integer ≥ min", presence: .required, meaning: "largest value tried: the bound a refusal refers to"),
        Field(section: "sizing.axes[]", key: "step", type: "integer ≥ 1", presence: .value("1"), meaning: "values tried are min, min+step, …, and max"),
        Field(section: "sizing.axes[]", key: "unit_price", type: "money per hour", presence: .optional, meaning: "what one more unit costs, to order candidates; default: measured from the fleet's list price (Σ count · class `price`); required when `path` is not under `fleet` or `clusters` (an elastic pool's size)"),
    ]

    /// The keys of `section`, in table order.
    static func keys(_ section: String) -> [String] { fields.filter { $0.section == section }.map(\.key) }

    static func field(_ section: String, _ key: String) -> Field? {
        fields.first { $0.section == section && $0.key == key }
    }

    /// The reference: one table per section, every field with its type, default and meaning.
    public static func markdown() -> String {
        var out = ""
        for (name, summary) in sections {
            out += "### \(name.isEmpty ? "top level" : "`\(name)`")\n\n\(summary)\n\n"
            out += "| field | type / unit | default | meaning |\n|---|---|---|---|\n"
            for f in fields where f.section == name {
                let d: String
                switch f.presence {
                case .required: d = "required"
                case .optional: d = "—"
                case .value(let v): d = "`\(v)`"
                }
                out += "| `\(f.key)` | \(f.type) | \(d) | \(f.meaning) |\n"
            }
            out += "\n"
        }
        return out
    }
}
