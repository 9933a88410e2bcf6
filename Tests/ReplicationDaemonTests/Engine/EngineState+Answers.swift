import ReplicationCore
import ReplicationDaemon

extension EngineState {
    /// ``claimed(_:matches:now:)`` with the remotes' project filters answered by `replicates`, as
    /// the engine answers them with its matcher before the state sees the events.
    mutating func claimed(
        _ events: [StoredEvent],
        now: Now,
        replicates: (RemoteConfiguration, String) -> Bool
    ) -> [Action] {
        self.claimed(
            events,
            matches: ProjectMatches(of: events, in: self.configuration, replicates: replicates),
            now: now
        )
    }

    mutating func replan(
        _ events: [StoredEvent],
        now: Now,
        replicates: (RemoteConfiguration, String) -> Bool
    ) -> [Action] {
        self.replan(
            events,
            matches: ProjectMatches(of: events, in: self.configuration, replicates: replicates),
            now: now
        )
    }
}
