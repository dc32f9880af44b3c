/// One data row of a small CSV file: its 1-based line number and its fields, trimmed.
struct CSVRow {
    let line: Int
    let text: Substring
    let fields: [Substring]

    /// The 1-based character column where field `i` starts.
    func column(_ i: Int) -> Int {
        text.unicodeScalars.distance(from: text.startIndex, to: fields[i].startIndex) + 1
    }
}

/// The shared shape of the small CSV files Swarmlab reads (RTT matrices, region tables,
/// device profiles): a required header line, then rows of exactly as many comma-separated
/// fields; blank lines and lines starting with `#` are skipped; LF or CRLF. Large traces
/// have their own byte-level reader (`AvailabilityTraceReader`).
enum CSVRows {
    /// Checks the size, the header, each line's length and the row count (`TraceLimits`),
    /// then hands each data row to `body`. Returns the number of lines.
    @discardableResult
    static func forEach(text: String, file: String, header: [String], maxRows: Int = TraceLimits.maxTableRows,
                        _ body: (CSVRow) throws(TraceError) -> Void) throws(TraceError) -> Int {
        let size = text.utf8.count
        guard size <= TraceLimits.maxTableBytes else {
            throw TraceLimits.tooBig(file: file, size: size, limit: TraceLimits.maxTableBytes)
        }
        let headerText = header.joined(separator: ",")
        var sawHeader = false
        var lineNumber = 0, rows = 0
        // "\r\n" is one Character in Swift, so it is a separator of its own.
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            lineNumber += 1
            guard line.utf8.count <= TraceLimits.maxLineBytes else {
                throw TraceLimits.lineTooLong(file: file, line: lineNumber, bytes: line.utf8.count)
            }
            let content = trimmed(line)
            if content.isEmpty || content.hasPrefix("#") { continue }
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(trimmed)
            if !sawHeader {
                guard fields.map(String.init) == header else {
                    throw TraceError(file: file, line: lineNumber, column: 1,
                                     message: "missing header: expected `\(headerText)`, found `\(content)`")
                }
                sawHeader = true
                continue
            }
            guard fields.count == header.count else {
                throw TraceError(file: file, line: lineNumber, column: nil,
                                 message: "expected \(header.count) fields (\(headerText)), found \(fields.count)")
            }
            rows += 1
            guard rows <= maxRows else { throw TraceLimits.tooManyRows(file: file, line: lineNumber, limit: maxRows) }
            try body(CSVRow(line: lineNumber, text: line, fields: fields))
        }
        guard sawHeader else {
            throw TraceError(file: file, line: max(lineNumber, 1), column: nil,
                             message: "missing header: expected `\(headerText)`, found an empty file")
        }
        return lineNumber
    }

    static func trimmed(_ s: Substring) -> Substring {
        var s = s
        while let c = s.first, c == " " || c == "\t" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\t" { s.removeLast() }
        return s
    }
}
