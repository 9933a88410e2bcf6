import Foundation
import Hummingbird
import Logging
import ReplicationCore
import ReplicationDaemon
import ServiceLifecycle
import UnixSignals

/// The composition root of `serve`: wires the store, the libgit2 push workers, the engine, the
/// HTTP interface and the optional stream-events reader into one service group.
struct DaemonAssembly {
    let group: ServiceGroup
    let lease: any ExecutorLease

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
        let lease = try await Self.lease(store, location: storeLocation, logger: logger)
        let box = ConfigurationBox(configuration, snapshot: snapshot)
        let executor = WorkerPushExecutor(
            configuration: box,
            supervisor: PushSupervisor(
                configPath: configPath,
                connectTimeout: configuration.gerrit.sshConnectionTimeout
            )
        )
        var options = EngineOptions()
        options.caughtUpThreshold = configuration.daemon.caughtUpThreshold
        options.drainTimeout = configuration.daemon.drainTimeout
        options.leaseRenewInterval = configuration.daemon.leaseTimeout / 3
        let engine = ReplicationEngine(
            store: store,
            executor: executor,
            configuration: configuration,
            source: FileConfigurationSource(path: configPath, box: box),
            options: options,
            logger: logger
        )
        let intake = EventIntake(
            store: store,
            projectExists: { project in
                FileManager.default.fileExists(
                    atPath: ProjectDirectory.repositoryPath(of: project, under: box.current.gerrit.basePath)
                )
            },
            wake: { engine.wake() },
            unavailable: { engine.statusBoard.status.storeError }
        )
        if configuration.gerrit.replicateOnStartup {
            try await Self.scheduleStartupSync(configuration, intake: intake, logger: logger)
        }
        let router = DaemonHTTP.makeRouter(
            intake: intake,
            statusBoard: engine.statusBoard,
            metrics: engine.metrics,
            bearerToken: configuration.daemon.bearerToken,
            requestTimeout: configuration.daemon.requestTimeout
        )
        let application = Application(
            router: router,
            server: .http1(configuration: .init(idleTimeout: .init(configuration.daemon.requestTimeout))),
            configuration: .init(address: .hostname(address.host, port: address.port), serverName: "replicator"),
            onServerRunning: { channel in
                logger.notice(
                    "Replicator listening",
                    metadata: [
                        "address": "\(channel.localAddress?.description ?? "\(address)")", "store": "\(storeLocation)",
                    ]
                )
            },
            logger: logger
        )
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: engine)]
        if let eventsFrom {
            services.append(
                .init(
                    service: StreamEventsReader(source: eventsFrom, intake: intake, logger: logger),
                    successTerminationBehavior: .ignore
                )
            )
        }
        services.append(.init(service: application))
        let group = ServiceGroup(
            configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        )
        return DaemonAssembly(group: group, lease: lease)
    }

    func run() async throws {
        defer { self.lease.release() }
        try await self.group.run()
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
        try await intake.store(projects.map { ReplicationEvent(kind: .fullSync, project: $0) }, source: "startup")
        logger.notice("Full sync scheduled at startup", metadata: ["replication.projects": "\(projects.count)"])
    }
}
