/// Replicator's own `[replicator]` section (an extension; Gerrit has none): where the daemon keeps
/// its queue and how it listens. Command-line options override these.
package struct DaemonOptions: Hashable, Sendable {
    /// Default HTTP address: loopback only.
    package static let defaultListen = "127.0.0.1:8418"

    /// The SQLite file (or a `postgres://` URL) holding the queue.
    package var store: String
    /// `HOST:PORT` for the HTTP interface.
    package var listen = Self.defaultListen
    /// Required as `Authorization: Bearer …` when set; mandatory when listening beyond loopback.
    package var bearerToken: String?
    /// Pending work older than this fails `/healthz/caught-up`.
    package var caughtUpThreshold = Duration.seconds(300)
    /// How long running pushes get to finish at shutdown before they are stopped and left queued.
    package var drainTimeout = Duration.seconds(30)
    /// Shared (PostgreSQL) stores: how long a node's claims outlive its last renewal; a node that
    /// dies loses its projects to the others after this.
    package var leaseTimeout = Duration.seconds(30)
    /// How long a command (`notify`, `hook`, `status`, …) waits for the store before it fails, so
    /// that an unreachable database never blocks a user's `git push` in a hook.
    package var storeTimeout = Duration.seconds(10)
    /// An HTTP connection that sends nothing for this long is closed, and a request body must be
    /// complete within it: a sender that never finishes holds nothing open for long.
    package var requestTimeout = Duration.seconds(30)
    /// The local git binary for packs and local mirrors; `nil`: `git` on PATH (libgit2 when none).
    package var gitPath: String?
    /// A pooled ssh session unused this long is closed.
    package var sshIdleTimeout = Duration.seconds(300)
    /// Mirror listings per second the daemon's reconcile may make, across all remotes.
    package var reconcileRate = 2
    /// How long Gerrit's replication events stay in the store for `/events/stream` and webhooks.
    package var eventRetention = Duration.seconds(86_400)
    /// URLs every replication event is POSTed to, until each answers 2xx.
    package var webhooks: [String] = []
    /// Sent to the webhooks as `Authorization: Bearer …`.
    package var webhookToken: String?

    /// The default store: `../data/replicator/tasks.sqlite` next to the configuration, the Gerrit
    /// site layout (`etc/replication.config`, `git/`, `data/`); `/var/lib/replicator/tasks.sqlite`
    /// for a configuration under `/etc` (an installed service: the unit's `StateDirectory`, and
    /// `/etc` is read-only under `ProtectSystem`).
    package static func defaultStore(configDirectory: String) -> String {
        let directory = PathText.resolve(".", against: configDirectory)
        if directory == "/etc" || directory.hasPrefix("/etc/") { return "/var/lib/replicator/tasks.sqlite" }
        return PathText.resolve("../data/replicator/tasks.sqlite", against: configDirectory)
    }

    package init(store: String) {
        self.store = store
    }

    init(reading reader: inout SectionReader, configDirectory: String) {
        self.init(store: Self.defaultStore(configDirectory: configDirectory))
        if let store = reader.string("store"), !store.isEmpty {
            self.store = Self.isDatabaseURL(store) ? store : PathText.resolve(store, against: configDirectory)
        }
        if let listen = reader.string("listen"), !listen.isEmpty { self.listen = listen }
        if let token = reader.string("bearerToken"), !token.isEmpty { self.bearerToken = token }
        self.caughtUpThreshold = reader.duration("caughtUpThreshold", default: .seconds(300), defaultUnit: .seconds)
        self.drainTimeout = reader.duration("drainTimeout", default: .seconds(30), defaultUnit: .seconds)
        self.leaseTimeout = max(
            .seconds(2),
            reader.duration("leaseTimeout", default: .seconds(30), defaultUnit: .seconds)
        )
        self.storeTimeout = max(
            .seconds(1),
            reader.duration("storeTimeout", default: .seconds(10), defaultUnit: .seconds)
        )
        self.requestTimeout = max(
            .seconds(1),
            reader.duration("requestTimeout", default: .seconds(30), defaultUnit: .seconds)
        )
        if let git = reader.string("gitPath"), !git.isEmpty { self.gitPath = git }
        self.sshIdleTimeout = reader.duration("sshIdleTimeout", default: .seconds(300), defaultUnit: .seconds)
        self.reconcileRate = reader.int("reconcileRate", default: 2, minimum: 1, maximum: 1000)
        self.eventRetention = max(
            .seconds(60),
            reader.duration("eventRetention", default: .seconds(86_400), defaultUnit: .seconds)
        )
        self.webhooks = Self.webhooks(reading: &reader)
        if let token = reader.string("webhookToken"), !token.isEmpty { self.webhookToken = token }
    }

    /// `webhook` values that are http(s) URLs; any other is an error naming its line.
    private static func webhooks(reading reader: inout SectionReader) -> [String] {
        reader.strings("webhook").compactMap { value, entry in
            guard Self.isHTTPURL(value) else {
                reader.error(.invalidURL, "webhook", entry, "'\(Credentials.redact(value))' is not an http(s) URL")
                return nil
            }
            return value
        }
    }

    /// `http://HOST…` or `https://HOST…` with a host (a path is optional).
    static func isHTTPURL(_ value: String) -> Bool {
        let lowered = value.lowercased()
        guard let scheme = ["http://", "https://"].first(where: lowered.hasPrefix) else { return false }
        let authority = lowered.dropFirst(scheme.count).prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        let host = authority.lastIndex(of: "@").map { authority[authority.index(after: $0)...] } ?? authority
        return !host.isEmpty && !host.hasPrefix(":") && !value.contains(where: \.isWhitespace)
    }

    /// Whether a store location is a PostgreSQL URL rather than an SQLite file.
    package static func isDatabaseURL(_ location: String) -> Bool {
        location.hasPrefix("postgres://") || location.hasPrefix("postgresql://")
    }

    /// `location` with a URL's password replaced by `***`, for messages and `config check`.
    package static func redacted(_ location: String) -> String {
        Credentials.redact(location)
    }

    package var effectiveOptions: [EffectiveOption] {
        [
            EffectiveOption("store", .string(Self.redacted(self.store)), isExtension: true),
            EffectiveOption("listen", .string(self.listen), isExtension: true),
            EffectiveOption("bearerToken", .string(self.bearerToken.map { _ in "(set)" }), isExtension: true),
            EffectiveOption("caughtUpThreshold", .duration(self.caughtUpThreshold), isExtension: true),
            EffectiveOption("drainTimeout", .duration(self.drainTimeout), isExtension: true),
            EffectiveOption("leaseTimeout", .duration(self.leaseTimeout), isExtension: true),
            EffectiveOption("storeTimeout", .duration(self.storeTimeout), isExtension: true),
            EffectiveOption("requestTimeout", .duration(self.requestTimeout), isExtension: true),
            EffectiveOption("gitPath", .string(self.gitPath ?? "git (on PATH)"), isExtension: true),
            EffectiveOption("sshIdleTimeout", .duration(self.sshIdleTimeout), isExtension: true),
            EffectiveOption("reconcileRate", .int(self.reconcileRate), isExtension: true),
            EffectiveOption("eventRetention", .duration(self.eventRetention), isExtension: true),
            EffectiveOption("webhook", .strings(self.webhooks.map(Credentials.redact)), isExtension: true),
            EffectiveOption("webhookToken", .string(self.webhookToken.map { _ in "(set)" }), isExtension: true),
        ]
    }
}
