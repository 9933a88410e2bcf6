import ArgumentParser
import Foundation
import ReplicationCore
import ReplicationGit

/// `replicator verify`: compares each selected mirror with the source inside the remote's scope.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Compare the selected mirrors with the source, inside each remote's scope; change nothing.",
        discussion: """
            Lists each selected URL once and compares it with the source inside the remote's scope: the refs its \
            push refspecs map, minus negative refspecs, excludedRefsPattern, replicatePermissions and NoteDb rules, \
            and what authGroup may not see. Nothing outside the scope is looked at (a GitHub mirror's refs/pull/* \
            never shows up). Per project and URL it prints "in sync" or every difference: missing, stale (the \
            mirror has an ancestor), diverged, ahead (the mirror has a descendant), extra (only on the mirror; \
            what mirror = true prunes), and a checksum of each side's scoped refs. Exit status: 0 when every URL \
            is in sync, 1 when any differs or could not be listed, 2 for usage errors.
            """
    )

    @OptionGroup var options: ConfigOptions
    @OptionGroup var select: SelectionOptions

    @Flag(name: .long, help: "Print one JSON document instead of text.")
    var json = false

    @Option(name: .long, help: ArgumentHelp("Projects verified at once (default 4).", valueName: "n"))
    var jobs = 4

    func validate() throws {
        guard (1...64).contains(self.jobs) else { throw ValidationError("--jobs must be between 1 and 64") }
    }

    func run() throws {
        let configuration = try ReplicationConfiguration.loadForCommand(self.options)
        let selection = try self.select.selection(in: configuration)
        LibGit2.initialize()
        let projects = try selection.projects(in: configuration)
        let pool = SSHSessionPool()
        defer { pool.closeAll() }
        let verifier = MirrorVerifier(configuration: configuration, pool: pool, site: SiteAccess())
        var report = VerifyReport(errors: projects.missing.map(\.message))
        // A listing mostly waits for the server to start receive-pack: several at once, over the
        // pool's sessions, in the selection's order.
        report.verifications = ConcurrentMap.run(projects.selected, workers: self.jobs) { project in
            verifier.verify(project, targets: selection.targets(for: project, in: configuration))
        }.flatMap(\.self)
        Output.print(self.json ? try report.jsonText() : report.humanText(), terminator: "")
        guard report.isAllInSync else { throw ExitCode(ExitStatus.failure) }
    }
}

/// What `verify` prints.
struct VerifyReport: Encodable {
    var verifications: [MirrorVerification] = []
    /// Selected projects that do not exist.
    var errors: [String] = []

    init(errors: [String]) {
        self.errors = errors
    }

    var isAllInSync: Bool {
        self.errors.isEmpty && self.verifications.allSatisfy { $0.result == .inSync || $0.result == .skipped }
    }

    func jsonText() throws -> String { try ReportJSON.text(self) }

    func humanText() -> String {
        var lines = self.errors.map { "error: \($0)" }
        for verification in self.verifications {
            lines += Self.lines(for: verification)
        }
        let differing = self.verifications.filter { $0.result == .differs }.count
        let failed = self.verifications.filter { $0.result == .failed }.count
        lines.append(
            "\(self.verifications.count) URL(s) verified: \(self.verifications.count - differing - failed) in sync or "
                + "skipped, \(differing) differ, \(failed) could not be listed"
        )
        return lines.joined(separator: "\n") + "\n"
    }

    private static func lines(for verification: MirrorVerification) -> [String] {
        let heading = "\(verification.project) \(verification.remote) \(verification.url)"
        switch verification.result {
        case .skipped: return ["\(heading): skipped: \(verification.message ?? "")"]
        case .failed: return ["\(heading): error: \(verification.message ?? "")"]
        case .inSync, .differs: break
        }
        guard let drift = verification.drift else { return [heading] }
        let sides =
            "source \(drift.sourceRefs) refs \(verification.sourceChecksum ?? "-"), "
            + "mirror \(drift.mirrorRefs) refs \(verification.mirrorChecksum ?? "-")"
        guard !drift.isInSync else { return ["\(heading): in sync (\(sides))"] }
        let missing = verification.mirrorMissing ? "; the mirror repository does not exist" : ""
        return ["\(heading): \(drift.differences.count) difference(s) (\(sides))\(missing)"]
            + drift.differences.map { "  " + Self.describe($0) }
    }

    static func describe(_ drift: RefDrift) -> String {
        let kind = drift.kind.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)
        let from = drift.source == drift.ref ? "" : " (from \(drift.source))"
        let source = drift.sourceID?.hex ?? "-"
        let mirror = drift.mirrorID?.hex ?? "-"
        switch drift.kind {
        case .missing: return "\(kind)\(drift.ref)\(from): source \(source), not on the mirror"
        case .stale: return "\(kind)\(drift.ref)\(from): mirror \(mirror) is behind source \(source)"
        case .diverged: return "\(kind)\(drift.ref)\(from): source \(source), mirror \(mirror)"
        case .ahead: return "\(kind)\(drift.ref)\(from): mirror \(mirror) is ahead of source \(source)"
        case .extra:
            let why = drift.hiddenReason.map { "; the source has it but the remote may not see it: \($0)" } ?? ""
            return "\(kind)\(drift.ref): mirror \(mirror), not at the source\(why)"
        }
    }
}
