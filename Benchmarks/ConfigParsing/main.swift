// Benchmark: load a replication.config with 1,000 remotes (the full pipeline: syntax, typed
// options, refspecs, regex filters, URL templates, lints), and side by side `git config --list`
// reading the same file; then the scheduler's cost for a full sync of 600 and 10,000 projects.
// Run with: swift run -c release replicator-benchmarks [remotes] [iterations]
import Foundation
import ReplicationCore

struct FileSystem: ConfigFileSystem {
    let path: String
    let text: String

    func readFile(atPath path: String) throws(ConfigFileError) -> String? { path == self.path ? self.text : nil }
    func configFiles(inDirectory path: String) -> [String]? { nil }
    func expandingTilde(_ path: String) -> String { path }
}

/// `distinctFilters`: every remote gets its own regexes (worst case); otherwise filters come from a
/// pool of 20, as in real configurations where many remotes share them.
func makeConfig(remotes: Int, distinctFilters: Bool) -> String {
    var text = "[gerrit]\n    autoReload = true\n    defaultForceUpdate = true\n[replication]\n    maxRetries = 10\n"
    for index in 0..<remotes {
        let filter = distinctFilters ? index : index % 20
        text += """
            [remote "mirror-\(index)"]
                url = git@mirror\(index).example.com:/srv/git/${name}.git
                url = ssh://replicator@backup\(index).example.com:2222/git/${name}.git
                push = +refs/heads/*:refs/heads/*
                push = +refs/tags/*:refs/tags/*
                push = ^refs/heads/wip/*
                projects = ^(?:(?!apps\\\\/).)*$|^only-\(filter)$
                excludeProjects = sandbox/*
                excludedRefsPattern = refs/heads/tmp-\(filter)-.*
                mirror = \(index.isMultiple(of: 2))
                threads = 4
                replicationDelay = 5
                rescheduleDelay = 15
                remoteNameStyle = dash
                timeout = 60

            """
    }
    return text
}

func measure(iterations: Int, _ body: () -> Void) -> [Duration] {
    let clock = ContinuousClock()
    body()  // warm-up
    return (0..<iterations).map { _ in clock.measure(body) }
}

func summary(_ samples: [Duration]) -> (median: Double, p90: Double, min: Double) {
    let milliseconds = samples.map { Double($0.components.attoseconds) / 1e15 + Double($0.components.seconds) * 1e3 }
        .sorted()
    return (milliseconds[milliseconds.count / 2], milliseconds[milliseconds.count * 9 / 10], milliseconds[0])
}

func report(_ name: String, _ samples: [Duration]) -> Double {
    let stats = summary(samples)
    print(
        String(
            format: "%-44@ median %8.2f ms   p90 %8.2f ms   min %8.2f ms",
            name as NSString,
            stats.median,
            stats.p90,
            stats.min
        )
    )
    return stats.median
}

func run(remotes remoteCount: Int, iterations: Int, distinctFilters: Bool) throws -> Double {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("replicator-bench-\(getpid()).config").path
    let text = makeConfig(remotes: remoteCount, distinctFilters: distinctFilters)
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(atPath: path) }
    let kind = distinctFilters ? "every remote with its own 2 regexes (worst case)" : "filters shared from a pool of 20"
    print(
        "\nreplication.config with \(remoteCount) remotes, \(text.utf8.count / 1024) KiB, \(kind), \(iterations) iterations"
    )
    var remotesLoaded = 0
    var diagnosticsSeen = 0
    let syntaxOnly = measure(iterations: iterations) { _ = try? GitConfigParser.parse(text, file: path) }
    let full = measure(iterations: iterations) {
        let configuration = ReplicationConfiguration.load(path: path, fileSystem: FileSystem(path: path, text: text))
        remotesLoaded = configuration.remotes.count
        diagnosticsSeen = configuration.diagnostics.count
    }
    let git = measure(iterations: iterations) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "config", "--file", path, "--list"]
        process.standardOutput = FileHandle.nullDevice
        try? process.run()
        process.waitUntilExit()
    }
    precondition(remotesLoaded == remoteCount, "expected \(remoteCount) remotes, loaded \(remotesLoaded)")
    _ = report("git-config syntax only (GitConfigParser)", syntaxOnly)
    let replicator = report("Replicator full load (typed, validated)", full)
    let reference = report("git config --list (process, same file)", git)
    print(
        String(
            format: "ratio Replicator full load / git config --list: %.2f   (%d diagnostics)",
            replicator / reference,
            diagnosticsSeen
        )
    )
    return replicator
}

let arguments = CommandLine.arguments.dropFirst().compactMap { Int($0) }
let remoteCount = arguments.first ?? 1_000
let iterations = arguments.dropFirst().first ?? 20
let typical = try run(remotes: remoteCount, iterations: iterations, distinctFilters: false)
let worst = try run(remotes: remoteCount, iterations: iterations, distinctFilters: true)
print(
    typical < 100
        ? "\ntarget met: typical full load under 100 ms" : "\nTARGET MISSED: typical full load took 100 ms or more"
)
print(String(format: "worst case (all regexes distinct): %.1f ms", worst))

for projects in [600, 10_000] {
    print(
        String(
            format: "scheduling a full sync of %d projects (threads 4): %.1f ms",
            projects,
            scheduleFullSync(projects: projects)
        )
    )
}
