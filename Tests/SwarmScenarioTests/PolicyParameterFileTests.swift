import Foundation
import Testing
import SwarmModel
import SwarmScenario

/// `policies: [{ name: …, parameters: { … } }]`, checked against what each policy declares.
@Suite("Policy parameters in scenario files")
struct PolicyParameterFileTests {
    /// Two policies as a registry would declare them: one with a count and a duration, one
    /// without parameters.
    static let declarations = [
        PolicyDeclaration(name: "sampler", parameters: [
            PolicyParameter("choices", .integer(1...64), default: 2, doc: "devices sampled"),
            PolicyParameter("patience", .duration(0...3600), default: 0, doc: "how long to wait"),
        ]),
        PolicyDeclaration(name: "plain"),
    ]

    static func text(_ policies: String) -> String {
        """
        version: 1
        name: p
        duration: 1h
        regions: [{ name: eu }]
        fleet: [{ class: laptop, region: eu, count: 10 }]
        workloads: [{ bag: { tasks: 10, work: { seconds: 1s } } }]
        policies: \(policies)
        """
    }

    static func parse(_ policies: String) throws(ScenarioError) -> Scenario {
        try Scenario.parse(text: text(policies), file: "p.yaml", declarations: declarations)
    }

    static func error(_ policies: String) -> ScenarioError? {
        do { _ = try parse(policies); return nil } catch { return error }
    }

    @Test("values are read in their units; the label names those that differ from the defaults")
    func values() throws {
        let s = try Self.parse("[plain, { name: sampler, parameters: { choices: 4, patience: 30min } }, { name: sampler, parameters: { choices: 2 } }]")
        #expect(s.policies == ["plain", "sampler(choices=4, patience=30min)", "sampler"])
        #expect(s.policyChoices[1].parameters == PolicyParameterValues(["choices": 4, "patience": 1800]))
        #expect(s.policyChoice("sampler(choices=4, patience=30min)").name == "sampler")
        // The explained form writes every parameter and parses to the same scenario.
        let oneLine = s.explained.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
        #expect(oneLine.contains("policies: [plain, {name: sampler, parameters: {choices: 4, patience: 30min}}, {name: sampler, parameters: {choices: 2, patience: 0s}}]"))
        let again = try Scenario.parse(text: s.explained, file: "p.yaml", declarations: Self.declarations)
        #expect(again.policies == s.policies && again.policyChoices.map(\.parameters.values.count) == [0, 2, 2])
        // The plain string form is unchanged.
        #expect(try Self.parse("sampler").policies == ["sampler"])
    }

    @Test("an unknown parameter is an error at its key, with the field path and a did-you-mean")
    func unknownParameter() throws {
        let e = try #require(Self.error("[{ name: sampler, parameters: { choises: 4 } }]"))
        // The key's own line and column (1-based).
        let line7 = Self.text("[{ name: sampler, parameters: { choises: 4 } }]").split(separator: "\n")[6]
        #expect(e.file == "p.yaml" && e.line == 7 && e.column == line7.distance(from: line7.startIndex, to: line7.range(of: "choises")!.lowerBound) + 1)
        #expect(e.path == "policies[0].parameters.choises")
        #expect(e.message == "unknown parameter `choises` of policy `sampler`; did you mean `choices`? (expected one of: choices, patience)")
        let plain = try #require(Self.error("[{ name: plain, parameters: { choices: 4 } }]"))
        #expect(plain.message == "unknown parameter `choices`: policy `plain` takes no parameters")
    }

    @Test("a value of the wrong type, out of range or without its unit is an error naming what was expected")
    func wrongValues() throws {
        #expect(Self.error("[{ name: sampler, parameters: { choices: two } }]")?.message == "expected a whole number in 1…64, found `two`")
        #expect(Self.error("[{ name: sampler, parameters: { choices: 65 } }]")?.message == "expected a whole number in 1…64, found `65`")
        #expect(Self.error("[{ name: sampler, parameters: { patience: 2h } }]")?.message == "expected a duration in 0s…1h, found `2h`")
        let unitless = try #require(Self.error("[{ name: sampler, parameters: { patience: 20 } }]"))
        #expect(unitless.path == "policies[0].parameters.patience" && unitless.message.contains("a unit is required"))
        #expect(Self.error("[{ name: sampler, parameters: [choices] }]")?.message == "expected a mapping of parameter: value, found a list")
    }

    @Test("the same policy twice with the same effective label is refused")
    func duplicates() {
        #expect(Self.error("[sampler, { name: sampler, parameters: { choices: 2 } }]")?.message
                == "policy `sampler` is listed twice (give it other parameters, or list it once)")
    }

    @Test("a sweep can vary a policy parameter, each value checked")
    func sweepParameter() throws {
        let text = Self.text("[{ name: sampler, parameters: { choices: 2 } }]") + "\nsweep:\n  policies[0].parameters.choices: [1, 8]\n"
        let s = try Scenario.parse(text: text, file: "p.yaml", declarations: Self.declarations)
        #expect(try s.with([(path: "policies[0].parameters.choices", value: "8")]).policies == ["sampler(choices=8)"])
        let bad = text.replacingOccurrences(of: "[1, 8]", with: "[1, 100]")
        #expect(throws: ScenarioError.self) { try Scenario.parse(text: bad, file: "p.yaml", declarations: Self.declarations) }
    }
}
