import ArgumentParser

/// `--allow-paths DIR`: folders outside a scenario's own that the files it names may lie in
/// (a scenario file is untrusted: by default it reads only beside itself).
struct PathOptions: ParsableArguments {
    @Option(name: .customLong("allow-paths"), help: ArgumentHelp(
        "Let the scenario read files under DIR too (repeatable); by default it may read only files in its own folder.",
        valueName: "DIR"))
    var allowPaths: [String] = []
}
