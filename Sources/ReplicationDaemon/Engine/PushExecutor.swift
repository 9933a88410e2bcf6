package import ReplicationCore

/// Runs one push (the composition root plugs in the real one; tests plug in fakes). It must
/// return when its task is cancelled (a drain that ran out of time), leaving the events queued.
package protocol PushExecutor: Sendable {
    /// Pushes `work` to `target` under `configuration`, the engine's current one, while `fence`
    /// holds: commands go out only after ``PushFence/checkBeforeCommands()``, and the push stops
    /// (its connection closed, its children ended) as soon as ``PushFence/closed()`` returns.
    func push(
        _ work: PushWork,
        to target: PushTarget,
        configuration: ReplicationConfiguration,
        fence: PushFence
    ) async -> PushOutcome
}

/// Where the engine gets its configuration, and a newer one when `gerrit.autoReload` is on.
package protocol ConfigurationSource: Sendable {
    /// A newer valid configuration when the files `current` was loaded from changed since the last
    /// call; `nil` otherwise. A changed file with errors is reported through `rejected`, and
    /// `current` stays.
    func reloadIfChanged(_ current: ReplicationConfiguration, rejected: (String) -> Void) -> ReplicationConfiguration?
}
