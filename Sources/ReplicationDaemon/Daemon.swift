package import Hummingbird
package import Logging
package import ReplicationCore
package import ServiceLifecycle
import UnixSignals

/// What `serve` runs, assembled in one place: the engine, the intake every event goes through, and
/// the HTTP interface. `serve`, `start --wait` (the engine alone) and the tests all build it with
/// ``buildDaemon(configuration:store:executor:source:options:clock:projectExists:waitPreparer:selectProjects:logger:)``.
package struct Daemon<EngineClock: Clock & Sendable>
where EngineClock.Instant: Sendable, EngineClock.Duration == Duration {
    package let engine: ReplicationEngine<EngineClock>
    package let intake: EventIntake
    package let router: Router<BasicRequestContext>
    /// The reconcile's last verifies, which `/status` shows.
    package let reconcileBoard: ReconcileBoard
    /// Webhooks and the notices' retention.
    package let noticeDelivery: NoticeDelivery
    private let requestTimeout: Duration
    private let logger: Logger

    fileprivate init(
        engine: ReplicationEngine<EngineClock>,
        intake: EventIntake,
        router: Router<BasicRequestContext>,
        reconcileBoard: ReconcileBoard,
        noticeDelivery: NoticeDelivery,
        requestTimeout: Duration,
        logger: Logger
    ) {
        self.noticeDelivery = noticeDelivery
        self.engine = engine
        self.intake = intake
        self.router = router
        self.reconcileBoard = reconcileBoard
        self.requestTimeout = requestTimeout
        self.logger = logger
    }

    /// The HTTP server on `host:port` (port 0: any free one, reported to `onListening`).
    package func application(
        host: String,
        port: Int,
        onListening: @escaping @Sendable (String) -> Void = { _ in }
    ) -> some Service {
        Application(
            router: self.router,
            server: .http1(configuration: .init(idleTimeout: .init(self.requestTimeout))),
            configuration: .init(address: .hostname(host, port: port), serverName: "replicator"),
            onServerRunning: { channel in onListening(channel.localAddress?.description ?? "\(host):\(port)") },
            logger: self.logger
        )
    }

    /// The engine, the webhooks, then `extra` services (a stream-events reader), then the HTTP
    /// server, then `last` (services that must hear of a shutdown first); SIGTERM and SIGINT drain
    /// the engine.
    package func serviceGroup(
        host: String,
        port: Int,
        extra: [ServiceGroupConfiguration.ServiceConfiguration] = [],
        last: [ServiceGroupConfiguration.ServiceConfiguration] = [],
        onListening: @escaping @Sendable (String) -> Void = { _ in }
    ) -> ServiceGroup {
        let services =
            [.init(service: self.engine), .init(service: self.noticeDelivery)] + extra + [
                .init(service: self.application(host: host, port: port, onListening: onListening))
            ] + last
        return ServiceGroup(
            configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: self.logger)
        )
    }
}

/// Wires a daemon. `projectExists(project, basePath)` answers for the intake whether a source
/// repository exists (a project deletion is refused while it does), under the engine's current
/// configuration.
package func buildDaemon<EngineClock: Clock & Sendable>(
    configuration: ReplicationConfiguration,
    store: any TaskStore,
    executor: any PushExecutor,
    source: (any ConfigurationSource)? = nil,
    options: EngineOptions? = nil,
    clock: EngineClock,
    projectExists: @escaping @Sendable (_ project: String, _ basePath: String) -> Bool,
    waitPreparer: (any WaitPreparing)? = nil,
    selectProjects: (
        @Sendable (ControlAPI.StartRequest, ReplicationConfiguration) throws -> (
            projects: [String], missing: [String]
        )
    )? = nil,
    logger: Logger
) -> Daemon<EngineClock> where EngineClock.Instant: Sendable, EngineClock.Duration == Duration {
    let engine = ReplicationEngine(
        store: store,
        executor: executor,
        configuration: configuration,
        source: source,
        options: options ?? EngineOptions(for: configuration),
        clock: clock,
        logger: logger
    )
    let intake = EventIntake(
        store: store,
        projectExists: { projectExists($0, engine.configuration.gerrit.basePath) },
        wake: { engine.wake() },
        unavailable: { engine.statusBoard.status.storeError }
    )
    let reconcileBoard = ReconcileBoard()
    let webhookBoard = WebhookBoard()
    let router = DaemonHTTP.makeRouter(
        intake: intake,
        statusBoard: engine.statusBoard,
        metrics: engine.metrics,
        reconcileBoard: reconcileBoard,
        webhookBoard: webhookBoard,
        wait: waitPreparer.map { preparer in
            (
                preparer,
                ReplicationWaiter(store: store, failing: { [board = engine.statusBoard] in board.failingTargets }),
                { [engine] in engine.configuration }
            )
        },
        notices: (store, engine.noticeSignal),
        control: selectProjects.map { select in
            ControlHandlers(configuration: { [engine] in engine.configuration }, select: select, store: store)
        },
        bearerToken: configuration.daemon.bearerToken,
        requestTimeout: configuration.daemon.requestTimeout
    )
    return Daemon(
        engine: engine,
        intake: intake,
        router: router,
        reconcileBoard: reconcileBoard,
        noticeDelivery: NoticeDelivery(
            store: store,
            signal: engine.noticeSignal,
            configuration: { [engine] in engine.configuration },
            node: engine.options.nodeName,
            metrics: engine.metrics,
            board: webhookBoard,
            logger: logger
        ),
        requestTimeout: configuration.daemon.requestTimeout,
        logger: logger
    )
}
