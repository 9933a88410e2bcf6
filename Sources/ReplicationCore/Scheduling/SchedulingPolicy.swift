/// One remote's scheduling settings (docs/gerrit-behaviour.md, "Scheduling and retries").
package struct SchedulingPolicy: Hashable, Sendable {
    /// How long new events for a URL gather before the push starts.
    package var replicationDelay: Duration
    /// The first wait after a failed push; later waits double, up to ``maximumBackoffFactor`` times.
    package var replicationRetry: Duration
    /// Transient failures retried at most this often; 0 retries forever (Gerrit).
    package var maxRetries: Int
    /// `failed to lock` / `failed to update ref` retried at most this often (Gerrit's default 0: never).
    package var updateRefErrorMaxRetries: Int
    /// Pushes of this remote that may run at once.
    package var threads: Int

    /// Backoff stops growing at `replicationRetry` × this factor.
    package static let maximumBackoffFactor = 16

    package init(
        replicationDelay: Duration,
        replicationRetry: Duration,
        maxRetries: Int,
        updateRefErrorMaxRetries: Int,
        threads: Int
    ) {
        self.replicationDelay = replicationDelay
        self.replicationRetry = replicationRetry
        self.maxRetries = maxRetries
        self.updateRefErrorMaxRetries = updateRefErrorMaxRetries
        self.threads = max(1, threads)
    }

    /// Gerrit's rules: `remote.NAME.replicationMaxRetries` (0, set or inherited, retries forever),
    /// which the configuration already defaulted to `replication.maxRetries`.
    package init(remote: RemoteConfiguration, replication: ReplicationOptions) {
        self.init(
            replicationDelay: remote.replicationDelay,
            replicationRetry: remote.replicationRetry,
            maxRetries: remote.replicationMaxRetries,
            updateRefErrorMaxRetries: replication.updateRefErrorMaxRetries,
            threads: remote.threads
        )
    }

    /// The wait before attempt `failures + 1`: `replicationRetry` × 2^(failures − 1), capped.
    package func backoff(afterFailures failures: Int) -> Duration {
        let exponent = min(max(failures - 1, 0), 4)
        return self.replicationRetry * min(1 << exponent, Self.maximumBackoffFactor)
    }

    /// Whether another attempt is allowed after `retries` counted retries.
    package func allowsRetry(after retries: Int) -> Bool {
        self.maxRetries == 0 || retries <= self.maxRetries
    }
}
