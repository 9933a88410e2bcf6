import ArgumentParser
import Foundation
import Logging
import ReplicationCore
import ReplicationDaemon
import ReplicationGit

/// `replicator start`: full replication of the selected projects (Gerrit's `replication start`).
struct StartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start",
        abstract: "Queue (or with --dry-run, preview) a full sync of the selected projects.",
        discussion: """
            Select projects with --all or with patterns in the syntax of remote.NAME.projects (^regex, prefix*, \
            exact name). The full syncs go into the task queue, where the daemon pushes them after \
            replicationDelay (--now: at once). With --wait, start waits for the first push to every URL and \
            prints the report; when no daemon runs, start runs those pushes itself, over ssh sessions shared by \
            its pushes to a host, each bounded by gerrit.sshConnectionTimeout until connected and by \
            remote.NAME.timeout between signs of progress; failed pushes stay queued for the daemon's retries. With --dry-run, lists \
            each selected URL's refs, prints the plan and changes nothing. Exit status: 0 when every ref is ok \
            (with --dry-run: every URL was planned; without --wait: queued), 1 when anything failed or was \
            rejected, 2 for usage errors.
            """
    )

    @OptionGroup var options: ConfigOptions
    @OptionGroup var storeOptions: StoreOptions

    @OptionGroup var select: SelectionOptions

    @Flag(name: .long, help: "Print what would be pushed and deleted; push nothing.")
    var dryRun = false

    @Flag(name: .long, help: "Wait for the first push to every URL and report it (pushing itself when no daemon runs).")
    var wait = false

    @Flag(name: .long, help: "Skip replicationDelay.")
    var now = false

    @Flag(name: .long, help: "Let a full sync delete more refs than remote.NAME.maxDeletions, for this run.")
    var allowMassDeletion = false

    @Flag(name: .long, help: "Print one JSON document instead of text.")
    var json = false

    @Option(
        name: .long,
        help: ArgumentHelp(
            "With --wait: text (the default), json (as --json), or gerrit: the replication plugin's lines (Replicate PROJECT refs ..all.. to NODE, Succeeded! (OK)).",
            valueName: "format"
        )
    )
    var format: StartOutputFormat?

    @Flag(name: .long, help: "No progress line, and only warnings and errors in the log (unless --log-level says).")
    var quiet = false

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Ask the daemon at this URL to queue the full syncs (POST /start), from any host.",
            discussion: "Its bearer token comes from $REPLICATOR_TOKEN, else from a local configuration.",
            valueName: "url"
        )
    )
    var daemon: String?

    @OptionGroup var log: LogOptions

    private var wantsJSON: Bool { self.json || self.format == .json }

    /// The replication log; `--quiet` keeps warnings and errors only, unless `--log-level` was given.
    private func logger() -> Logger {
        var logger = self.log.makeLogger()
        let leveled = CommandLine.arguments.contains { $0 == "--log-level" || $0.hasPrefix("--log-level=") }
        if self.quiet, !leveled { logger.logLevel = .warning }
        return logger
    }

    func run() async throws {
        if let daemon = self.daemon { return try await self.runThroughDaemon(daemon) }
        let configuration = try ReplicationConfiguration.loadForCommand(self.options)
        let selection = try self.select.selection(in: configuration)
        LibGit2.initialize()
        if self.dryRun {
            let report = try DryRun(
                configuration: configuration,
                selection: selection,
                allowMassDeletion: self.allowMassDeletion,
                site: SiteAccess()
            ).run()
            Output.print(self.wantsJSON ? try Self.json(report) : report.humanText(), terminator: "")
            guard report.errors.isEmpty else { throw ExitCode(ExitStatus.failure) }
            return
        }
        let projects = try selection.projects(in: configuration)
        let events = projects.selected.map {
            ReplicationEvent(
                kind: .fullSync,
                project: $0,
                remotes: self.select.remotes,
                urlSubstring: self.select.url,
                immediately: self.now,
                allowMassDeletion: self.allowMassDeletion
            )
        }
        let logger = self.logger()
        let report = try await self.storeOptions.withStore(for: configuration, logger: logger, bounded: false) {
            store in
            let ids = try await store.append(events, source: .start, wantsOutcomes: self.wait)
            guard self.wait else { return PlanReport?.none }
            return try await StartWaiter(
                store: store,
                events: ids,
                configuration: configuration,
                configPath: self.options.path,
                expected: events.map { EventExpansion(configuration: configuration).targets(of: $0).count }.reduce(
                    0,
                    +
                ),
                logger: logger,
                quiet: self.quiet
            ).run()
        }
        guard var report else {
            let location = StoreOptions.redacted(self.storeOptions.location(for: configuration))
            Output.print("Queued a full sync of \(events.count) project(s) in \(location).")
            for failure in projects.missing { Output.print("error: \(failure.message)") }
            guard projects.missing.isEmpty else { throw ExitCode(ExitStatus.failure) }
            return
        }
        report.errors.insert(contentsOf: projects.missing, at: 0)
        switch self.format ?? (self.wantsJSON ? .json : .text) {
        case .json: Output.print(try Self.json(report), terminator: "")
        case .text: Output.print(report.humanText(pushed: true), terminator: "")
        case .gerrit:
            let (output, errors) = report.gerritText()
            Output.print(output, terminator: "")
            try? FileHandle.standardError.write(contentsOf: Data(errors.utf8))
        }
        guard report.isCompleteSuccess else { throw ExitCode(ExitStatus.failure) }
    }

    private static func json(_ report: PlanReport) throws -> String {
        try ReportJSON.text(report)
    }
}

/// `start --format`.
enum StartOutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json, gerrit
}
