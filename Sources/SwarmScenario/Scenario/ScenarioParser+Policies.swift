import SwarmModel
import Yams

/// One entry of a scenario's `policies`: a registered policy, the parameter values the file
/// gave it (SI units; the ones left out take the policy's defaults when it is built), and
/// the label its runs go by.
public struct PolicyChoice: Sendable, Hashable {
    public var name: String
    public var parameters: PolicyParameterValues
    /// `name`, or `name(key=value, …)` with the parameters whose values differ from their
    /// defaults, as the file wrote them: names the run's results group and summary row.
    public var label: String

    public init(name: String, parameters: PolicyParameterValues, label: String) {
        self.name = name; self.parameters = parameters; self.label = label
    }
}

extension PolicyRegistry {
    /// The policy a scenario's `policies` entry describes, with its parameters.
    public func make(_ choice: PolicyChoice, context: PolicyContext) throws(LookupError) -> any SchedulingPolicy {
        try make(choice.name, parameters: choice.parameters, context: context)
    }
}

extension ScenarioParser {
    /// `policies`: a name, `{ name: …, parameters: { … } }`, or a list of these. Each
    /// parameter is checked against what the policy declares (`PolicyParameter`): an unknown
    /// key gets a did-you-mean, a value its kind, range and unit. The canonical form writes a
    /// policy with parameters as a mapping with every parameter (defaults filled in).
    func policies(_ top: inout Section) throws(ScenarioError) -> [PolicyChoice] {
        var choices: [PolicyChoice] = []
        var out: [Node] = []
        let field = top["policies"]!
        let entries: [YAMLField]
        if case .mapping = field.node { entries = [field] } else { entries = try field.sequenceOrOne() }
        let names = policyCatalog.map(\.name)
        for p in entries {
            let name: String
            var parametersField: YAMLField?
            if case .mapping = p.node {
                var f = try Section(p, "policies[]")
                name = try f.oneOf("name", names, "policy")!
                parametersField = f["parameters"]
            } else {
                name = try p.oneOf(names, "policy")
            }
            let declared = policyCatalog.first { $0.name == name }!.parameters
            var values = PolicyParameterValues()
            var texts: [String: String] = [:]
            if let pf = parametersField {
                guard case .mapping(let m) = pf.node else { throw pf.fail("expected a mapping of parameter: value, found \(pf.kind)") }
                for (k, v) in m {
                    let key = k.string ?? ""
                    let keyField = YAMLField(node: k, path: "\(pf.path).\(key)", file: file)
                    guard let spec = declared.first(where: { $0.name == key }) else {
                        if declared.isEmpty { throw keyField.fail("unknown parameter `\(key)`: policy `\(name)` takes no parameters") }
                        var message = "unknown parameter `\(key)` of policy `\(name)`"
                        if let near = NameSuggestion.nearest(to: key, in: declared.map(\.name)) { message += "; did you mean `\(near)`?" }
                        throw keyField.fail(message + " (expected one of: \(declared.map(\.name).joined(separator: ", ")))")
                    }
                    let vf = YAMLField(node: v, path: keyField.path, file: file)
                    values[key] = try parameterValue(vf, spec)
                    texts[key] = try vf.string()
                }
            }
            // The label names the parameters that differ from their defaults.
            let changed = declared.filter { spec in values[spec.name].map { $0 != spec.defaultValue } ?? false }
            let label = changed.isEmpty ? name : name + "(" + changed.map { "\($0.name)=\(texts[$0.name]!)" }.joined(separator: ", ") + ")"
            if choices.contains(where: { $0.label == label }) {
                throw p.fail("policy `\(label)` is listed twice (give it other parameters, or list it once)")
            }
            choices.append(PolicyChoice(name: name, parameters: values, label: label))
            if declared.isEmpty {
                out.append(Node(name))
            } else {
                let parameters = declared.map { spec in (Node(spec.name), Node(texts[spec.name] ?? spec.text(spec.defaultValue))) }
                out.append(.mapping(Node.Mapping([(Node("name"), Node(name)), (Node("parameters"), .mapping(Node.Mapping(parameters, .implicit, .flow)))],
                                                 .implicit, .flow)))
            }
        }
        guard !choices.isEmpty else { throw top["policies"]!.fail("expected at least one policy") }
        top.put("policies", .sequence(Node.Sequence(out, .implicit, .flow)))
        return choices
    }

    /// A parameter's value in SI units, checked against its kind and range.
    func parameterValue(_ f: YAMLField, _ spec: PolicyParameter) throws(ScenarioError) -> Double {
        let value: Double
        switch spec.kind {
        case .integer:
            let text = try f.string()
            guard let v = Int(text.replacingOccurrences(of: "_", with: "")) else {
                throw f.fail("expected \(spec.typeDescription), found `\(text)`")
            }
            value = Double(v)
        case .number:
            let text = try f.string()
            guard let v = Double(text.replacingOccurrences(of: "_", with: "")), v.isFinite else {
                throw f.fail("expected \(spec.typeDescription), found `\(text)`")
            }
            value = v
        case .duration:
            value = try f.quantity(boundedDuration)
        }
        if let problem = spec.problem(with: value) { throw f.fail("\(problem), found `\(try f.string())`") }
        return value
    }
}
