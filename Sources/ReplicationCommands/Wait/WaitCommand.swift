import ArgumentParser
import Foundation
import ReplicationCore
import ReplicationDaemon
import ReplicationGit

/// `replicator wait PROJECT REF`: returns when every URL that should receive the ref has it.
struct WaitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wait",
        abstract: "Wait until every URL that should receive a ref has it.",
        discussion: """
            Waits until every URL of the selected remotes that replicates the ref (in scope and visible) has it at \
            --sha (default: the source's value when wait starts), or, with --deleted, until the ref the source \
            deleted is gone from them. A ref the source does not have is an error without --deleted. Lists each \
            URL once, then follows the pushes the task store records (a daemon must be pushing). \
            Exit status: 0 when replicated; 1 on timeout; 2 for usage errors; 3 when the ref is refused or out of \
            scope (saying which) or a URL fails permanently; 4 when the project or the ref does not exist at the \
            source.
            """
    )

    @OptionGroup var options: ConfigOptions
    @OptionGroup var storeOptions: StoreOptions

    @Argument(help: ArgumentHelp("The project (its exact name).", valueName: "project"))
    var project: String

    @Argument(help: ArgumentHelp("The source ref, such as refs/heads/main.", valueName: "ref"))
    var ref: String

    @Option(name: .long, help: ArgumentHelp("The commit to wait for (40 hex digits).", valueName: "id"))
    var sha: String?

    @Flag(name: .long, help: "Wait for the ref's deletion (the source no longer has it).")
    var deleted = false

    @Option(name: .customLong("remote"), help: ArgumentHelp("Only this remote (repeatable).", valueName: "name"))
    var remotes: [String] = []

    @Option(name: .long, help: ArgumentHelp("Give up after this long (default 5 min).", valueName: "duration"))
    var timeout: String = "5 min"

    @Flag(name: .long, help: "Print one JSON document instead of text.")
    var json = false

    func run() async throws {
        let configuration = try ReplicationConfiguration.loadForCommand(self.options)
        guard let timeout = ConfigValue.duration(self.timeout, defaultUnit: .seconds) else {
            throw ValidationError("invalid --timeout '\(self.timeout)': expected a duration such as 30s or 5min")
        }
        LibGit2.initialize()
        let request = WaitRequest(
            project: self.project,
            ref: self.ref,
            sha: self.sha,
            remotes: self.remotes,
            deleted: self.deleted
        )
        let prepared: PreparedWait
        let pool = SSHSessionPool()
        defer { pool.closeAll() }
        do {
            prepared = try await GitWaitPreparer(pool: pool, site: SiteAccess()).prepare(
                request,
                configuration: configuration
            )
        } catch {
            switch error.code {
            case .invalid: throw ValidationError(error.message)
            case .notFound:
                FileHandle.standardError.write(Data("Error: \(error.message)\n".utf8))
                throw ExitCode(ExitStatus.notFound)
            case .unreadable: throw CommandFailure(error.message)
            }
        }
        let daemon = try? DaemonClient(configuration: configuration, listen: nil)
        let answer = try await self.storeOptions.withStore(for: configuration, bounded: false) { store in
            let waiter = ReplicationWaiter(store: store) {
                // Permanent failures as the running daemon sees them; none known without one.
                guard let status = try? await daemon?.status(timeout: .seconds(1)) else { return [:] }
                return StatusBoard.failingTargets(in: status)
            }
            return await waiter.run(prepared, timeout: timeout)
        }
        Output.print(self.json ? try ReportJSON.text(answer) : Self.text(answer), terminator: "")
        switch answer.status {
        case .replicated: return
        case .timeout, .pending: throw ExitCode(ExitStatus.failure)
        case .refused, .outOfScope, .failing: throw ExitCode(ExitStatus.refused)
        }
    }

    static func text(_ answer: ReplicationWait.Answer) -> String {
        let value = answer.sha ?? "(deleted)"
        var lines = ["\(answer.project) \(answer.ref) at \(value): \(answer.status.rawValue)"]
        if let reason = answer.reason { lines[0] += ": \(reason)" }
        for target in answer.targets + answer.outOfScope {
            let detail = target.reason.map { ": \($0)" } ?? target.mirrorID.map { " (\($0))" } ?? ""
            lines.append("  \(target.remote) \(target.url): \(target.status.rawValue)\(detail)")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
