import Foundation
import Logging
import ReplicationCore
import ReplicationDaemon
import ReplicationGit
import ServiceLifecycle

/// `serve`: the store's executor lease, the startup sync, the git push executor and the
/// optional stream-events reader around the daemon ``buildDaemon`` wires.
struct DaemonAssembly {
    let group: ServiceGroup
    let lease: any ExecutorLease
    /// Closed once the services stopped, before the process exits.
    let pool: SSHSessionPool

    static func build(
        configuration: ReplicationConfiguration,
        snapshot: Data,
        configPath: String,
        store: any TaskStore,
        storeLocation: String,
        address: ListenAddress,
        eventsFrom: String?,
        logger: Logger
    ) async throws -> DaemonAssembly {
        let snapshots = ConfigSnapshotBox(snapshot)
        let systemd = SystemdNotifier()
        let source = FileConfigurationSource(
            path: configPath,
            initial: configuration,
            snapshots: snapshots,
            requestedReloadDone: { systemd.ready(status: "configuration reloaded") }
        )
        let hangups = await HangupService {
            logger.notice("SIGHUP: reloading the configuration", metadata: ["config": "\(configPath)"])
            systemd.reloading()
            source.requestReload()
        }
        let lease = try await Self.lease(store, location: storeLocation, logger: logger)
        let pool = SSHSessionPool()
        // One cache of every project's access rules for the daemon's pushes, verifies and waits.
        let site = SiteAccess()
        let daemon = buildDaemon(
            configuration: configuration,
            store: store,
            executor: GitPushExecutor(configPath: configPath, snapshots: snapshots, pool: pool, site: site),
            source: source,
            clock: ContinuousClock(),
            projectExists: { project, basePath in
                FileManager.default.fileExists(atPath: ProjectDirectory.repositoryPath(of: project, under: basePath))
            },
            waitPreparer: GitWaitPreparer(pool: pool, site: site),
            selectProjects: Self.selectProjects,
            logger: logger
        )
        let reconciler = Reconciler(
            verifier: GitMirrorVerifier(pool: pool, site: site),
            intake: daemon.intake,
            configuration: { [engine = daemon.engine] in engine.configuration },
            projects: { try ProjectDirectory.projects(under: $0) },
            busy: { [board = daemon.engine.statusBoard] in board.busyTargets },
            board: daemon.reconcileBoard,
            metrics: daemon.engine.metrics,
            logger: logger
        )
        if configuration.gerrit.replicateOnStartup {
            try await Self.scheduleStartupSync(configuration, intake: daemon.intake, logger: logger)
        } else {
            reconciler.requestRound(reason: "started with replicateOnStartup = false")
        }
        var extra: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: reconciler), .init(service: hangups, successTerminationBehavior: .ignore),
        ]
        if let eventsFrom {
            var reader = StreamEventsReader(source: eventsFrom, intake: daemon.intake, logger: logger)
            reader.onRestart = { reconciler.requestRound(reason: "the --events-from command restarted") }
            extra.append(.init(service: reader, successTerminationBehavior: .ignore))
        }
        let group = daemon.serviceGroup(
            host: address.host,
            port: address.port,
            extra: extra,
            last: [.init(service: StoppingNotice(notifier: systemd), successTerminationBehavior: .ignore)]
        ) { [board = daemon.engine.statusBoard] listening in
            logger.notice("Replicator listening", metadata: ["address": "\(listening)", "store": "\(storeLocation)"])
            // Ready as /healthz means it: listening, and the engine has read the store.
            Task {
                while !board.status.ready { try await Task.sleep(for: .milliseconds(20)) }
                systemd.ready(status: "listening on \(listening)")
            }
        }
        return DaemonAssembly(group: group, lease: lease, pool: pool)
    }

    func run() async throws {
        defer {
            self.pool.closeAll()
            self.lease.release()
        }
        try await self.group.run()
    }

    /// `POST /start`'s selection, as `replicator start` makes it from its arguments.
    @Sendable private static func selectProjects(
        _ request: ControlAPI.StartRequest,
        in configuration: ReplicationConfiguration
    ) throws -> (projects: [String], missing: [String]) {
        guard request.all != !request.projects.isEmpty else {
            throw CommandFailure("give either all or project patterns (not both)")
        }
        var selection = try SelectionOptions.selection(remotes: request.remotes, in: configuration)
        selection.projects = try request.projects.map { pattern in
            guard let parsed = try? ProjectPattern(pattern) else {
                throw CommandFailure("invalid project pattern '\(pattern)'")
            }
            return parsed
        }
        selection.urlSubstring = request.url
        let found = try selection.projects(in: configuration)
        return (found.selected, found.missing.map(\.project))
    }

    /// One process at a time pushes from a store; a second `serve` waits for the first to stop.
    private static func lease(_ store: any TaskStore, location: String, logger: Logger) async throws
        -> any ExecutorLease
    {
        if let lease = try await store.acquireExecutorLease(wait: false) { return lease }
        logger.notice(
            "Another replicator process runs pushes from this store; waiting",
            metadata: ["store": "\(location)"]
        )
        guard let lease = try await store.acquireExecutorLease(wait: true) else {
            throw CommandFailure("cannot lock the store \(location)")
        }
        return lease
    }

    /// `gerrit.replicateOnStartup`: a full sync of every project, through the queue like any event.
    private static func scheduleStartupSync(
        _ configuration: ReplicationConfiguration,
        intake: EventIntake,
        logger: Logger
    ) async throws {
        let projects = try ProjectDirectory.projects(under: configuration.gerrit.basePath)
        try await intake.store(projects.map { ReplicationEvent(kind: .fullSync, project: $0) }, source: .startup)
        logger.notice("Full sync scheduled at startup", metadata: ["replication.projects": "\(projects.count)"])
    }
}
