import ArgumentParser
import Foundation
import SwarmLab

/// Where every benchmark subcommand writes its results.
struct BenchOutputOptions: ParsableArguments {
    @Option(name: .long, help: "Write the Markdown tables to this file as well.")
    var markdown: String?

    @Option(name: .long, help: ArgumentHelp(
        "Replace this benchmark's section of a Markdown file (between <!-- BEGIN name --> and <!-- END name -->).",
        valueName: "results/BENCHMARKS.md"))
    var record: String?

    @Flag(name: .long, help: "Print the results as JSON.")
    var json = false

    @Flag(name: .long, help: ArgumentHelp("Run once in this process and print raw figures.", visibility: .hidden))
    var single = false

    func validate() throws {
        if let path = record, !FileManager.default.fileExists(atPath: path) {
            throw ValidationError("--record: \(path) does not exist")
        }
    }

    /// Prints the results — `rows` as JSON with `--json`, else `text` (the Markdown by
    /// default) — and writes the Markdown where `--markdown`/`--record` ask.
    func publish<Rows: Encodable>(_ rows: Rows, text: String? = nil, markdown: String, section: String) throws {
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(rows), as: UTF8.self))
        } else {
            print(text ?? markdown)
        }
        try write(markdown, section: section)
    }

    /// Writes `markdown` where asked, and progress lines to stderr unless printing JSON.
    func write(_ markdown: String, section: String) throws {
        if let path = self.markdown { try markdown.write(toFile: path, atomically: true, encoding: .utf8) }
        if let path = record { try MarkdownSection.replace(section, in: path, with: markdown) }
    }

    func progress(_ line: String) {
        if !json { FileHandle.standardError.write(Data((line + "\n").utf8)) }
    }
}
