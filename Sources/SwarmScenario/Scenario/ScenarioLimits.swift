import Foundation
import Yams

/// Limits on a scenario document, checked before and while it is parsed, so a hostile file
/// gets an error naming the limit instead of exhausting the stack or memory. The YAML
/// composer recurses once per nesting level, and aliases (`*name`) copy their anchor's
/// tree, so both are bounded here.
public enum ScenarioLimits {
    /// Largest scenario file read, bytes (16 MiB).
    public static let maxBytes = 16 << 20
    /// Longest line, bytes (1 MiB: a long flow list of seeds or sweep values fits).
    public static let maxLineBytes = 1 << 20
    /// Deepest nesting, counting flow brackets (`[`, `{`) and block indentation levels.
    public static let maxDepth = 128
    /// Most aliases (`*name`) in one document.
    public static let maxAliases = 1_000
    /// Most nodes in the document once every alias is expanded (billion laughs).
    public static let maxExpandedNodes = 1_000_000

    /// Checks the text's size, line length and nesting before the YAML reader sees it.
    static func checkText(_ text: String, file: String) throws(ScenarioError) {
        let bytes = text.utf8
        guard bytes.count <= maxBytes else {
            throw ScenarioError(file: file, line: 0, column: 0, path: "",
                                message: "the file is \(bytes.count) bytes; the limit is \(maxBytes) bytes (16 MiB)")
        }
        var line = 1, lineStart = 0, offset = 0
        var flowDepth = 0, maxFlowLine = 0, maxFlowColumn = 0, deepest = 0
        var indent = 0, inIndent = true, blockDepth: [Int] = []   // indentation columns of open blocks
        var quote: UInt8 = 0, comment = false, aliases = 0, previous: UInt8 = 10
        func fail(_ l: Int, _ c: Int, _ m: String) -> ScenarioError {
            ScenarioError(file: file, line: l, column: c, path: "", message: m)
        }
        for b in bytes {
            defer { offset += 1; previous = b }
            if b == 10 {   // \n
                guard offset - lineStart <= maxLineBytes else {
                    throw fail(line, 1, "line is \(offset - lineStart) bytes long; the limit is \(maxLineBytes) bytes")
                }
                line += 1; lineStart = offset + 1; indent = 0; inIndent = true; comment = false
                continue   // quoted scalars may span lines: `quote` stays
            }
            if comment { continue }
            if quote != 0 {
                if b == quote { quote = 0 }
                continue
            }
            if inIndent {
                if b == 32 { indent += 1; continue }
                inIndent = false
                if b != 35 && b != 13 && flowDepth == 0 {   // a content line opens or closes blocks
                    while let last = blockDepth.last, last >= indent { blockDepth.removeLast() }
                    blockDepth.append(indent)
                }
            }
            switch b {
            case 35 where previous == 32 || previous == 9 || offset == lineStart: comment = true   // #
            case 39, 34 where offset == lineStart || [32, 9, 91, 123, 44, 58, 45].contains(previous): quote = b
            case 91, 123: flowDepth += 1   // [ {
            case 93, 125: flowDepth = max(0, flowDepth - 1)
            case 45 where flowDepth == 0 && (previous == 32 || offset == lineStart):   // "- " opens a nested block
                blockDepth.append(offset - lineStart + 1)
            case 42 where previous == 32 || previous == 91 || previous == 44 || previous == 58 || offset == lineStart: aliases += 1   // *
            default: break
            }
            let depth = flowDepth + blockDepth.count
            if depth > deepest { deepest = depth; maxFlowLine = line; maxFlowColumn = offset - lineStart + 1 }
            guard deepest <= maxDepth else {
                throw fail(maxFlowLine, maxFlowColumn, "nesting is deeper than \(maxDepth) levels (lists and maps inside each other); the limit is \(maxDepth)")
            }
            guard aliases <= maxAliases else {
                throw fail(line, offset - lineStart + 1, "more than \(maxAliases) aliases (`*name`); the limit is \(maxAliases)")
            }
        }
        guard offset - lineStart <= maxLineBytes else {
            throw fail(line, 1, "line is \(offset - lineStart) bytes long; the limit is \(maxLineBytes) bytes")
        }
    }

    /// Counts the composed tree's nodes, aliases expanded, without recursion; refuses more
    /// than `maxExpandedNodes` (an alias of an alias of … multiplies the tree: billion laughs).
    static func checkExpanded(_ root: Node, file: String) throws(ScenarioError) {
        var stack: [Node] = [root]
        var count = 0
        while let n = stack.popLast() {
            count += 1
            guard count <= maxExpandedNodes else {
                throw ScenarioError(file: file, line: 0, column: 0, path: "",
                                    message: "the document expands to more than \(maxExpandedNodes) values once its aliases (`*name`) are expanded; the limit is \(maxExpandedNodes)")
            }
            switch n {
            case .scalar: break
            case .sequence(let s): stack.append(contentsOf: s)
            case .mapping(let m): for (k, v) in m { stack.append(k); stack.append(v) }
            }
        }
    }
}
