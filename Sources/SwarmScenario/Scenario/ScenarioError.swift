/// A problem in a scenario file: where (file, line, column, field path), what was found and
/// what was expected.
public struct ScenarioError: Error, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    /// The field, as a path from the top: `fleet[2].count`.
    public var path: String
    public var message: String

    public var description: String {
        "\(file):\(line):\(column): \(path.isEmpty ? "" : "\(path): ")\(message)"
    }
}
