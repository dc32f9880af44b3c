import Foundation
import Testing

/// docs/architecture.md is the map of the rooms: its table must say what Package.swift says,
/// and each target's README must name the folders the target has.
@Suite("Architecture map")
struct ArchitectureMapTests {
    /// Each target of Package.swift (not the tests) and the names in its dependency list.
    static func packageTargets() throws -> [String: [String]] {
        let text = try String(contentsOf: repositoryRoot.appendingPathComponent("Package.swift"), encoding: .utf8)
        var targets: [String: [String]] = [:]
        let pattern = try NSRegularExpression(pattern: #"\.(target|executableTarget)\(name: "([^"]+)"(?:, dependencies: \[(.*?)\])?"#,
                                              options: [.dotMatchesLineSeparators])
        for m in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
            let name = String(text[Range(m.range(at: 2), in: text)!])
            var deps: [String] = []
            if let r = Range(m.range(at: 3), in: text) {
                let list = String(text[r])
                let dep = try NSRegularExpression(pattern: #"\.product\(name: "([^"]+)", package: "[^"]+"\)|"([^"]+)""#)
                for d in dep.matches(in: list, range: NSRange(list.startIndex..., in: list)) {
                    let g = d.range(at: 1).location != NSNotFound ? 1 : 2
                    let s = String(list[Range(d.range(at: g), in: list)!])
                    if g == 1 || !deps.contains(s) { deps.append(s) }
                }
            }
            targets[name] = deps
        }
        return targets.filter { $0.key != "CTestSupport" }
    }

    @Test("the rooms table of docs/architecture.md lists every target with exactly its Package.swift dependencies")
    func roomsMatchPackage() throws {
        let doc = try String(contentsOf: repositoryRoot.appendingPathComponent("docs/architecture.md"), encoding: .utf8)
        let block = try #require(doc.range(of: "<!-- BEGIN rooms").flatMap { b in doc.range(of: "<!-- END rooms -->").map { doc[b.upperBound..<$0.lowerBound] } })
        var documented: [String: [String]] = [:]
        for line in block.split(separator: "\n") where line.hasPrefix("| `") {
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            let name = cells[1].trimmingCharacters(in: CharacterSet(charactersIn: "`"))
            let deps = cells[3].hasPrefix("—") ? [] : cells[3].split(separator: ",").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: " `")) }
            documented[name] = deps
        }
        let package = try Self.packageTargets()
        #expect(package.count >= 10)
        for (name, deps) in package where !name.hasPrefix("C") {
            #expect(documented[name].map(Set.init) == Set(deps), "docs/architecture.md: \(name) may import \(deps.sorted()) in Package.swift, the map says \(documented[name]?.sorted() ?? [])")
        }
        for name in documented.keys { #expect(package[name] != nil, "docs/architecture.md lists \(name), which Package.swift does not have") }
    }

    @Test("each target's README names every folder of the target")
    func readmesNameFolders() throws {
        let fm = FileManager.default
        for name in try Self.packageTargets().keys {
            let dir = repositoryRoot.appendingPathComponent("Sources/\(name)")
            guard let readme = try? String(contentsOf: dir.appendingPathComponent("README.md"), encoding: .utf8) else {
                Issue.record("Sources/\(name) has no README.md"); continue
            }
            let folders = try fm.contentsOfDirectory(atPath: dir.path).filter { f in
                var isDir: ObjCBool = false
                return fm.fileExists(atPath: dir.appendingPathComponent(f).path, isDirectory: &isDir) && isDir.boolValue
            }
            for f in folders { #expect(readme.contains("`\(f)/`") || readme.contains("`\(f)`") || readme.contains("\(f)/"), "Sources/\(name)/README.md does not name its folder \(f)/") }
        }
    }
}
