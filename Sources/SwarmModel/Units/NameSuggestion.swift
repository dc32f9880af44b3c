/// The valid name a mistyped one most likely meant, for "did you mean" in error messages.
public enum NameSuggestion {
    /// The candidate closest to `name` by edit distance (insertions, deletions,
    /// substitutions and swaps of adjacent characters — the optimal-string-alignment
    /// distance), if it is close enough to be a typo: at most a third of the name's length,
    /// and at least 1 edit allowed.
    public static func nearest(to name: String, in candidates: [String]) -> String? {
        let a = Array(name.unicodeScalars)
        var best: (String, Int)?
        for c in candidates {
            let d = typoDistance(a, Array(c.unicodeScalars))
            if best == nil || d < best!.1 { best = (c, d) }
        }
        guard let best, best.1 <= max(1, a.count / 3) else { return nil }
        return best.0
    }

    static func typoDistance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Int {
        var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in stride(from: 1, through: a.count, by: 1) {
            for j in stride(from: 1, through: b.count, by: 1) {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[a.count][b.count]
    }
}
