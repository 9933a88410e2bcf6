package import ReplicationCore

/// The bodies of the control routes (`POST /start`, `POST /allow-deletions`), which do what
/// `replicator start` and `allow-deletions` do for a client on another host (`--daemon URL`).
package enum ControlAPI {
    /// `replicator start`'s selection: project patterns or `all`, remotes, a URL substring.
    package struct StartRequest: Codable, Sendable {
        package var projects: [String] = []
        package var all = false
        package var remotes: [String] = []
        package var url: String?
        package var now = false
        package var allowMassDeletion = false

        package init(
            projects: [String] = [],
            all: Bool = false,
            remotes: [String] = [],
            url: String? = nil,
            now: Bool = false,
            allowMassDeletion: Bool = false
        ) {
            self.projects = projects
            self.all = all
            self.remotes = remotes
            self.url = url
            self.now = now
            self.allowMassDeletion = allowMassDeletion
        }

        /// Every field is optional (`{"all": true}` is a whole request), as the defaults say.
        package init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.projects = try container.decodeIfPresent([String].self, forKey: .projects) ?? []
            self.all = try container.decodeIfPresent(Bool.self, forKey: .all) ?? false
            self.remotes = try container.decodeIfPresent([String].self, forKey: .remotes) ?? []
            self.url = try container.decodeIfPresent(String.self, forKey: .url)
            self.now = try container.decodeIfPresent(Bool.self, forKey: .now) ?? false
            self.allowMassDeletion = try container.decodeIfPresent(Bool.self, forKey: .allowMassDeletion) ?? false
        }
    }

    /// One URL's first attempt at a queued full sync.
    package struct TargetOutcome: Codable, Sendable, Hashable {
        package var project: String
        package var remote: String
        package var url: String
        /// `ok`, `rejected`, `blocked`, `transient`, `permanent`, … (``PushAttemptResult/Kind``).
        package var result: String
        /// Refs by outcome: `ok`, `up-to-date`, `rejected`, `failed`, `held`.
        package var refs: [String: Int]
        package var error: String?
    }

    package struct StartResponse: Codable, Sendable {
        package var schemaVersion = JSONSchemaVersion.current
        /// The stored events, one per project.
        package var events: [Int64]
        /// Project names given that the source does not have.
        package var missing: [String]
        /// With `?wait=`: whether every URL reported its first attempt within the wait.
        package var complete: Bool
        package var outcomes: [TargetOutcome]
    }

    package struct AllowDeletionsRequest: Codable, Sendable {
        package var project: String
        package var remotes: [String] = []

        package init(project: String, remotes: [String] = []) {
            self.project = project
            self.remotes = remotes
        }

        package init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.project = try container.decode(String.self, forKey: .project)
            self.remotes = try container.decodeIfPresent([String].self, forKey: .remotes) ?? []
        }
    }

    package struct AllowDeletionsResponse: Codable, Sendable {
        package struct Released: Codable, Sendable, Hashable {
            package var project: String
            package var remote: String
            package var url: String
            package var deletions: Int
        }

        package var schemaVersion = JSONSchemaVersion.current
        /// The held pushes the permission releases; empty when nothing was held (status 404).
        package var allowed: [Released]
    }
}

/// What the control routes need from the composition root: the running configuration, how a
/// start request selects projects there (the CLI's own selection), and the store.
package struct ControlHandlers: Sendable {
    package var configuration: @Sendable () -> ReplicationConfiguration
    /// The projects `request` selects, and the exact names it gave that do not exist; throws a
    /// message for a request that is wrong (an unknown remote, a bad pattern).
    package var select:
        @Sendable (ControlAPI.StartRequest, ReplicationConfiguration) throws -> (
            projects: [String], missing: [String]
        )
    package var store: any TaskStore

    package init(
        configuration: @escaping @Sendable () -> ReplicationConfiguration,
        select:
            @escaping @Sendable (ControlAPI.StartRequest, ReplicationConfiguration) throws -> (
                projects: [String], missing: [String]
            ),
        store: any TaskStore
    ) {
        self.configuration = configuration
        self.select = select
        self.store = store
    }
}
