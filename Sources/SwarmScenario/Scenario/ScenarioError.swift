/// A problem in a scenario file: where (file, line, column, field path), what was found and
/// what was expected.
public struct ScenarioError: Error, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    /// The field, as a path from the top: `fleet[2].count`.
    public var path: String
    public var message: String
    /// What kind of problem, so callers (the CLI's exit codes) need not read the message.
    public var kind: Kind = .invalid

    public enum Kind: Sendable, Equatable {
        /// The file says something wrong.
        case invalid
        /// The file cannot be read at all.
        case unreadable
        /// The scenario is valid but needs more memory than this machine has.
        case tooLarge
    }

    public init(file: String, line: Int, column: Int, path: String, message: String, kind: Kind = .invalid) {
        self.file = file; self.line = line; self.column = column; self.path = path; self.message = message; self.kind = kind
    }

    /// `file:line:column: path: message`; without a line (0: the file as a whole, or a value
    /// given outside it, as a sweep override) `file: path: message`.
    public var description: String {
        let place = line > 0 ? "\(file):\(line):\(column)" : file
        return "\(place): \(path.isEmpty ? "" : "\(path): ")\(message)"
    }
}
