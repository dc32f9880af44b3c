/// A problem found while reading a trace file, located like a compiler diagnostic:
/// `file:line:column: message` (column omitted when unknown).
///
/// Lines and columns are 1-based; a column counts Unicode scalars, not bytes. Line 0 means
/// the file as a whole (it could not be opened or read).
public struct TraceError: Error, CustomStringConvertible, Equatable {
    public var file: String
    public var line: Int
    public var column: Int?
    public var message: String

    public init(file: String, line: Int, column: Int? = nil, message: String) {
        self.file = file; self.line = line; self.column = column; self.message = message
    }

    public var description: String {
        if let column { return "\(file):\(line):\(column): \(message)" }
        return "\(file):\(line): \(message)"
    }
}
