import ArgumentParser
import Foundation
import ReplicationCore
import ReplicationDaemon
import ReplicationGit

/// `replicator explain PROJECT REF`: why a ref is or is not replicated, per remote and URL.
struct ExplainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Say why a ref is or is not replicated to each remote and URL, and what a push would do now.",
        discussion: """
            For each remote and URL: the push line (file:line) that maps the ref and its destination, or that none \
            does; every rule that excludes or protects it (negative refspec, excludedRefsPattern, \
            replicatePermissions and NoteDb rules, authGroup visibility, HEAD, another refspec feeding the same \
            destination, the mass-deletion guard); the mirror's current value and what a delta and a full sync \
            would do (one listing per URL; --offline lists nothing); and the last status the task store recorded \
            for the ref there. Changes nothing. Exit status: 0 when it could say, 1 when the source or a listing \
            could not be read, 2 for usage errors.
            """
    )

    @OptionGroup var options: ConfigOptions
    @OptionGroup var storeOptions: StoreOptions

    @Argument(help: ArgumentHelp("The project (its exact name).", valueName: "project"))
    var project: String

    @Argument(help: ArgumentHelp("The source ref, such as refs/heads/main.", valueName: "ref"))
    var ref: String

    @Option(name: .customLong("remote"), help: ArgumentHelp("Only this remote (repeatable).", valueName: "name"))
    var remotes: [String] = []

    @Flag(name: .long, help: "Do not list the mirrors.")
    var offline = false

    @Flag(name: .long, help: "Print one JSON document instead of text.")
    var json = false

    func run() async throws {
        let configuration = try ReplicationConfiguration.loadForCommand(self.options)
        let selection = try SelectionOptions.selection(remotes: self.remotes, in: configuration)
        if let problem = ProjectName.problem(with: self.project) {
            throw ValidationError("invalid project name '\(self.project)': \(problem)")
        }
        if self.ref != "HEAD", let problem = ProjectName.refProblem(with: self.ref) {
            throw ValidationError("invalid ref '\(self.ref)': \(problem)")
        }
        LibGit2.initialize()
        let source: SourceSnapshot
        do {
            source = try SourceSnapshot(self.project, basePath: configuration.gerrit.basePath, site: SiteAccess())
        } catch {
            throw CommandFailure(error.message)
        }
        let (repository, local) = (source.repository, source.local)
        let outcomes = await self.lastStatuses(configuration)
        let pool = SSHSessionPool()
        defer { pool.closeAll() }
        var report = ExplainReport(project: self.project, ref: self.ref, storeNote: outcomes.note)
        for remote in configuration.remotes where selection.remotes.isEmpty || selection.remotes.contains(remote.name) {
            let explainer = RefExplainer(remote: remote, visibility: source.view(for: remote).visibility)
            for url in selection.urls(of: remote, for: self.project) {
                var listing: RefTable?
                var listingError: String?
                if !self.offline {
                    (listing, listingError) = Self.list(url, remote: remote, configuration, repository, pool)
                }
                var explanation = explainer.explain(
                    project: self.project,
                    ref: self.ref,
                    url: url.description,
                    local: local.refs,
                    headTarget: local.headTarget,
                    mirror: listing,
                    replicatesProject: remote.replicates(project: self.project)
                ) { ancestor, descendant in
                    repository.isFastForward(from: ancestor, to: descendant)
                }
                explanation.listingError = listingError
                explanation.lastOutcome = outcomes.statuses.first {
                    $0.target.remote == remote.name && $0.target.url == url.description
                }
                report.explanations.append(explanation)
            }
        }
        Output.print(self.json ? try report.jsonText() : report.humanText(), terminator: "")
        guard report.explanations.allSatisfy({ $0.listingError == nil }) else { throw ExitCode(ExitStatus.failure) }
    }

    /// One listing; a missing mirror is an empty one.
    private static func list(
        _ url: RemoteURL,
        remote: RemoteConfiguration,
        _ configuration: ReplicationConfiguration,
        _ repository: GitRepository,
        _ pool: SSHSessionPool
    ) -> (RefTable?, String?) {
        do {
            return (
                try repository.listMirror(url, remote: remote, configuration: configuration, pool: pool) ?? [:], nil
            )
        } catch {
            return (nil, error.message)
        }
    }

    /// The store's last statuses of the ref; an absent or unreadable store only adds a note.
    private func lastStatuses(_ configuration: ReplicationConfiguration) async -> (
        statuses: [StoredRefStatus], note: String?
    ) {
        let location = self.storeOptions.location(for: configuration)
        guard DaemonOptions.isDatabaseURL(location) || FileManager.default.fileExists(atPath: location) else {
            return ([], "no task store at \(location): no past push is known")
        }
        do {
            let statuses = try await self.storeOptions.withStore(for: configuration) { store in
                try await store.refStatuses(project: self.project, ref: self.ref)
            }
            return (statuses, nil)
        } catch {
            return ([], "cannot read the task store: \(error)")
        }
    }
}
