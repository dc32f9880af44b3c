import SwarmModel
import Yams

extension ScenarioParser {
    /// The largest size a kernel dimension may take (a GEMM's m, n, k: 2³⁰; an element
    /// `count`: 2⁵⁰; the others: 2²⁴), and the most elements one tensor may hold (2⁵⁰: beyond
    /// any device, and far below where element counts would overflow).
    static func maxDimension(_ kernel: String, _ field: String) -> Int {
        field == "count" ? 1 << 50 : kernel == "gemm" ? 1 << 30 : 1 << 24
    }
    static let maxElements = Double(1 << 50)
    /// The most kernels one task's sequence may hold (the runtime sends it in one frame).
    static let maxSequenceParts = 256

    /// A task's work and its canonical form: fixed `seconds`, one kernel, a layer preset
    /// (`transformer_block`, `resnet_block`, `mlp`) or a `sequence` of those.
    func taskWork(_ field: YAMLField) throws(ScenarioError) -> (TaskWork, Node) {
        let f = try Section(field, "work")
        guard f.fields.count == 1, let (key, value) = f.fields.first else {
            throw field.fail("expected exactly one of: " + ScenarioSchema.keys("work").joined(separator: ", "))
        }
        if key == "seconds" {
            let s = try value.quantity(boundedDuration)
            return (.seconds(s), .mapping(Node.Mapping([(Node("seconds"), value.node)], .implicit, .flow)))
        }
        let (kernel, inner) = try self.kernel(key, value)
        return (.kernel(kernel), .mapping(Node.Mapping([(Node(key), inner)], .implicit, .flow)))
    }

    /// One `work` kernel or preset named `key`, and its canonical parameters.
    func kernel(_ key: String, _ value: YAMLField) throws(ScenarioError) -> (TensorKernel, Node) {
        if key == "sequence" { return try sequence(value) }
        if key == "mlp" { return try mlp(value) }
        let spec = KernelSpec.all[key]!
        let d = try value.mapping(allowed: spec.required + spec.defaults.map(\.0) + spec.extra + ["dtype"], required: spec.required)
        var v: [String: Int] = [:]
        var node: [(Node, Node)] = []
        for k in spec.required + spec.defaults.map(\.0) {
            guard let x = d[k] else { v[k] = spec.defaults.first { $0.0 == k }!.1; continue }
            v[k] = try x.int(min: k == "padding" ? 0 : 1)
            let most = Self.maxDimension(key, k)
            guard v[k]! <= most else { throw x.fail("expected a whole number ≤ \(most), found `\(v[k]!)`") }
        }
        for k in spec.required + spec.defaults.map(\.0) { node.append((Node(k), Node(String(v[k]!)))) }
        var per = 1.0
        if key == "elementwise" {
            per = try d["flops_per_element"]?.number() ?? 1
            guard per >= 0 else { throw d["flops_per_element"]!.fail("expected a number ≥ 0") }
            node.append((Node("flops_per_element"), Node(fmt(per))))
        }
        let t = try dtype(d)
        node.append((Node("dtype"), Node(t.rawValue)))
        let kernel: TensorKernel
        switch key {
        case "gemm":
            kernel = .gemm(m: v["m"]!, n: v["n"]!, k: v["k"]!, dtype: t)
        case "elementwise":
            kernel = .elementwise(count: v["count"]!, flopsPerElement: per, dtype: t)
        case "reduction":
            kernel = .reduction(count: v["count"]!, dtype: t)
        case "conv2d":
            let kk = v["kernel"]!, p = v["padding"]!
            for axis in ["height", "width"] where v[axis]! + 2 * p < kk {
                throw d["kernel"]!.fail("a \(kk)×\(kk) kernel does not fit a \(axis) of \(v[axis]!) with padding \(p): expected kernel ≤ \(axis) + 2·padding = \(v[axis]! + 2 * p)")
            }
            kernel = .conv2d(batch: v["batch"]!, inChannels: v["in_channels"]!, outChannels: v["out_channels"]!,
                             height: v["height"]!, width: v["width"]!, kernel: kk, stride: v["stride"]!, padding: p, dtype: t)
        case "attention":
            kernel = .attention(batch: v["batch"]!, heads: v["heads"]!, seqLen: v["seq"]!, headDim: v["head_dim"]!, dtype: t)
        case "transformer_block":
            guard v["d_model"]! % v["heads"]! == 0 else {
                throw d["heads"]!.fail("d_model (\(v["d_model"]!)) must be a multiple of heads: found \(v["heads"]!) heads")
            }
            kernel = LayerPresets.transformerBlock(dModel: v["d_model"]!, heads: v["heads"]!, seq: v["seq"]!,
                                                   batch: v["batch"]!, ffn: v["ffn"]!, dtype: t)
        default:  // resnet_block
            kernel = LayerPresets.resnetBasicBlock(channels: v["channels"]!, height: v["height"]!, width: v["width"]!,
                                                   batch: v["batch"]!, dtype: t)
        }
        try checkSize(kernel, value)
        return (kernel, .mapping(Node.Mapping(node, .implicit, .flow)))
    }

    /// `mlp: { widths: [in, hidden…, out], batch, dtype }`.
    func mlp(_ value: YAMLField) throws(ScenarioError) -> (TensorKernel, Node) {
        let d = try value.mapping(allowed: ["widths", "batch", "dtype"], required: ["widths"])
        let list = try d["widths"]!.sequence()
        guard list.count >= 2 else { throw d["widths"]!.fail("expected at least two widths (input and output), found \(list.count)") }
        var widths: [Int] = []
        for w in list {
            let x = try w.int(min: 1)
            guard x <= Self.maxDimension("mlp", "widths") else { throw w.fail("expected a whole number ≤ \(Self.maxDimension("mlp", "widths")), found `\(x)`") }
            widths.append(x)
        }
        let batch = try d["batch"]?.int(min: 1) ?? 1
        guard batch <= Self.maxDimension("mlp", "batch") else { throw d["batch"]!.fail("expected a whole number ≤ \(Self.maxDimension("mlp", "batch")), found `\(batch)`") }
        let t = try dtype(d)
        let kernel = LayerPresets.mlp(widths: widths, batch: batch, dtype: t)
        try checkSize(kernel, value)
        let node: [(Node, Node)] = [(Node("widths"), .sequence(Node.Sequence(widths.map { Node(String($0)) }, .implicit, .flow))),
                                    (Node("batch"), Node(String(batch))), (Node("dtype"), Node(t.rawValue))]
        return (kernel, .mapping(Node.Mapping(node, .implicit, .flow)))
    }

    /// `sequence: [ { gemm: … }, { attention: … }, … ]`: kernels and presets run in order as one task.
    func sequence(_ value: YAMLField) throws(ScenarioError) -> (TensorKernel, Node) {
        let items = try value.sequence()
        guard !items.isEmpty else { throw value.fail("expected at least one kernel") }
        guard items.count <= Self.maxSequenceParts else { throw value.fail("expected at most \(Self.maxSequenceParts) kernels, found \(items.count)") }
        var kernels: [TensorKernel] = []
        var nodes: [Node] = []
        for item in items {
            let f = try Section(item, "work")
            guard f.fields.count == 1, let (key, inner) = f.fields.first else {
                throw item.fail("expected exactly one kernel or preset per entry")
            }
            guard key != "seconds" else { throw f["seconds"]!.fail("a sequence holds kernels, not fixed seconds") }
            let (k, node) = try kernel(key, inner)
            kernels.append(k)
            nodes.append(.mapping(Node.Mapping([(Node(key), node)], .implicit, .flow)))
        }
        let chained = TensorKernel.chain(kernels)
        // an assignment carries the kernel as JSON in one frame (≤ 64 KiB): ~200 B per part at most
        guard chained.parts.count <= Self.maxSequenceParts else {
            throw value.fail("expected at most \(Self.maxSequenceParts) kernels once presets are expanded, found \(chained.parts.count)")
        }
        return (chained, .sequence(Node.Sequence(nodes)))
    }

    func dtype(_ d: [String: YAMLField]) throws(ScenarioError) -> DType {
        guard let t = d["dtype"] else { return .fp32 }
        return DType(rawValue: try t.oneOf(DType.allCases.map(\.rawValue), "dtype"))!
    }

    /// Refuses a kernel one of whose tensors would hold more than `maxElements` elements.
    func checkSize(_ kernel: TensorKernel, _ field: YAMLField) throws(ScenarioError) {
        for part in kernel.parts {
            let biggest = max(Double(part.inputElements), Double(part.outputElements),
                              part.gemms.reduce(0) { max($0, Double($1.k) * Double($1.n), Double($1.m) * Double($1.n) * Double($1.count)) })
            guard biggest <= Self.maxElements else {
                throw field.fail("this \(part.kind) (\(part.shapeDescription)) is too large: a tensor of \(fmt(biggest)) elements, at most 2^50")
            }
        }
    }
}

/// The whole-number parameters of each `work` kernel and preset: required, and defaulted.
struct KernelSpec {
    var required: [String]
    var defaults: [(String, Int)] = []
    var extra: [String] = []

    static let all: [String: KernelSpec] = [
        "gemm": KernelSpec(required: ["m", "n", "k"]),
        "elementwise": KernelSpec(required: ["count"], extra: ["flops_per_element"]),
        "reduction": KernelSpec(required: ["count"]),
        "conv2d": KernelSpec(required: ["in_channels", "out_channels", "height", "width", "kernel"],
                             defaults: [("batch", 1), ("stride", 1), ("padding", 0)]),
        "attention": KernelSpec(required: ["heads", "seq", "head_dim"], defaults: [("batch", 1)]),
        "transformer_block": KernelSpec(required: ["d_model", "heads", "seq"], defaults: [("batch", 1), ("ffn", 4)]),
        "resnet_block": KernelSpec(required: ["channels", "height", "width"], defaults: [("batch", 1)]),
    ]
}
