import Foundation

/// Scenario files are untrusted (someone else wrote them): a path inside one resolves against
/// the scenario file's folder and may not leave it — no absolute path, no `..` out, no
/// symbolic link pointing out — unless the user allowed the folder it reaches
/// (`--allow-paths DIR`). Results paths may not be absolute or climb out of the working folder.
enum ScenarioPaths {
    /// `path` with symbolic links resolved (`realpath`); when it does not exist, its longest
    /// existing ancestor resolved and the rest appended, so a missing file is still judged by
    /// where it would be.
    static func real(_ path: String) -> String {
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        var head = (absolute as NSString).standardizingPath
        var tail: [String] = []
        while true {
            if let r = realpath(head, nil) {
                defer { free(r) }
                let resolved = String(cString: r)
                return tail.isEmpty ? resolved : resolved + "/" + tail.reversed().joined(separator: "/")
            }
            let parent = (head as NSString).deletingLastPathComponent
            if parent == head || parent.isEmpty { return absolute }
            tail.append((head as NSString).lastPathComponent)
            head = parent
        }
    }

    /// Whether `path` (resolved) is `root` or inside it.
    static func isInside(_ path: String, _ root: String) -> Bool {
        path == root || path.hasPrefix(root.hasSuffix("/") ? root : root + "/")
    }

    /// Why `given` (written in the file) reaches outside: for the error message.
    static func reason(_ given: String, resolved: String) -> String {
        if given.hasPrefix("/") { return "it is an absolute path" }
        if given.split(separator: "/").contains("..") { return "it climbs out with `..` (to \(resolved))" }
        return "a symbolic link on the way points outside (to \(resolved))"
    }
}

extension ScenarioParser {
    /// Refuses a file path (`path`, already resolved against the scenario's folder) that leaves
    /// the scenario's folder and every `--allow-paths` folder.
    func confine(_ f: YAMLField, given: String, path: String) throws(ScenarioError) {
        let dir = (file as NSString).deletingLastPathComponent
        let base = ScenarioPaths.real(dir.isEmpty ? "." : dir)
        let resolved = ScenarioPaths.real(path)
        let roots = [base] + allowedPaths.map(ScenarioPaths.real)
        guard !roots.contains(where: { ScenarioPaths.isInside(resolved, $0) }) else { return }
        throw f.fail("`\(given)` is outside the scenario's folder \(base): \(ScenarioPaths.reason(given, resolved: resolved)); "
            + "scenario files may only read files beside them — to allow this, pass --allow-paths \((resolved as NSString).deletingLastPathComponent)")
    }

    /// Refuses an `outputs.results` path that is absolute or climbs out with `..`: results go
    /// under the working folder (`results/` by default), or where `--output` says.
    func confineResults(_ f: YAMLField, _ results: String) throws(ScenarioError) {
        let parts = results.split(separator: "/")
        if results.hasPrefix("/") || results.hasPrefix("~") || parts.contains("..") {
            throw f.fail("results path `\(results)` is \(results.hasPrefix("/") || results.hasPrefix("~") ? "absolute" : "outside the working folder (`..`)"); "
                + "expected a relative path such as results/NAME.h5 — to write elsewhere, pass --output PATH")
        }
    }
}
