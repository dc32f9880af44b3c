import Foundation

/// A generated block inside a hand-written Markdown file, between `<!-- BEGIN name -->` and
/// `<!-- END name -->`, so `make bench` can refresh figures without touching the prose.
public enum MarkdownSection {
    public struct Missing: Error, CustomStringConvertible {
        public var description: String
    }

    /// Replaces the block's contents; the file is rewritten atomically.
    public static func replace(_ name: String, in path: String, with body: String) throws {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let begin = "<!-- BEGIN \(name) -->", end = "<!-- END \(name) -->"
        guard let b = text.range(of: begin), let e = text.range(of: end, range: b.upperBound..<text.endIndex) else {
            throw Missing(description: "\(path): no '\(begin)' … '\(end)' block to replace")
        }
        let updated = text[..<b.upperBound] + "\n" + body + text[e.lowerBound...]
        try String(updated).write(toFile: path, atomically: true, encoding: .utf8)
    }
}
