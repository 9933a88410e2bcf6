package import Logging
package import ReplicationCore

/// What the engine's state decides, for ``ReplicationEngine`` to carry out in one `switch`.
/// Reads come back to the state as the input named beside them; writes that fail are logged (their
/// events stay stored: a push too many after a restart, never one too few).
package enum EngineAction<Instant: InstantProtocol & Sendable>: Sendable, Equatable where Instant.Duration == Duration {
    package typealias Task = PushTask<Instant>

    /// → ``EngineState/claimed(_:matches:now:)`` or ``EngineState/claimFailed(_:now:)``; the engine
    /// answers the remotes' project filters for the claimed events first.
    case claimEvents(limit: Int, only: Set<Int64>?)
    /// Everything this node holds, to re-plan under a new configuration → ``EngineState/replan(_:matches:now:)``.
    case readHeldEvents
    /// → ``EngineState/heldPushesRead(_:)``.
    case readHeldPushes
    /// Every URL's last push as the store kept it → ``EngineState/lastPushesRead(_:)``.
    case readLastPushes
    /// Read the configuration again if it changed (`gerrit.autoReload`) →
    /// ``EngineState/configurationChecked(_:rejected:now:)``.
    case checkConfiguration
    /// → ``EngineState/summaryRead(_:)``.
    case readSummary
    /// Renew this node's claims and read the cluster → ``EngineState/leasesRenewed(cluster:)``.
    case renewLeases
    /// Tell the store a push starts → ``EngineState/pushStartRecorded(_:held:epoch:now:)``.
    case recordPushStart(Task)
    /// The store's writes, applied in one transaction (a push's end is one list, its end record and
    /// its notices included); notices written wake `/events/stream` and the webhooks.
    case apply([StoreWrite])
    /// Run the push; its outcome comes back → ``EngineState/pushFinished(_:outcome:now:)``.
    case runPush(Task)
    /// The store has more events than one read takes: read again after whatever else is waiting.
    case readAgain
    case log(EngineLogEntry)
    case measurePushStart(remote: String, delay: Duration, retries: Int)
    case measurePushEnd(
        remote: String,
        result: PushAttemptResult.Kind,
        latency: Duration,
        refs: [String: Int]
    )
}

/// One line of the replication log, as the state decides it.
package struct EngineLogEntry: Sendable, Equatable {
    package var level: Logger.Level
    package var message: Logger.Message
    package var metadata: Logger.Metadata

    package init(_ level: Logger.Level, _ message: Logger.Message, _ metadata: Logger.Metadata = [:]) {
        self.level = level
        self.message = message
        self.metadata = metadata
    }
}
