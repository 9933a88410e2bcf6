/// One `[remote "NAME"]` section: where and how to push. Defaults are Gerrit's.
package struct RemoteConfiguration: Sendable {
    package static let defaultReplicationDelay = Duration.seconds(15)
    package static let minimumRescheduleDelay = 3
    package static let defaultSlowLatencyThreshold = Duration.seconds(900)
    package static let defaultMaxDeletions = 100

    package var name: String
    /// The section header (the first one, when the section is split).
    package var location: ConfigLocation
    package var urls: [URLTemplate] = []
    package var adminUrls: [URLTemplate] = []
    package var push = PushRefSpecs([])
    package var receivePack = "git-receive-pack"
    package var uploadPack = "git-upload-pack"
    /// `timeout`: network read/write timeout; zero waits forever.
    package var timeout = Duration.zero
    package var isMirror = false
    package var storeRefLog = false
    package var replicationDelay = Self.defaultReplicationDelay
    package var rescheduleDelay = Duration.seconds(Self.minimumRescheduleDelay)
    package var replicationRetry = Duration.seconds(60)
    /// Zero retries forever.
    package var replicationMaxRetries = 0
    package var drainQueueAttempts = 0
    package var threads = 1
    package var authGroups: [String] = []
    package var createMissingRepositories = true
    /// Extension: the refs of one change go in an atomic push of their own where the mirror
    /// supports it.
    package var atomicChanges = true
    /// Sent with every push as git's `--push-option` (`remote.NAME.pushOption`, repeatable; an empty
    /// value clears the ones before it, as git's `push.pushOption`).
    package var pushOptions: [String] = []
    /// Replicator's own (`remote.NAME.maxPushSize`, git's size units): no push sends a pack larger
    /// than this; a bigger one is cut into steps along history. 0: no cap of ours.
    package var maxPushSize = 0
    package var gitPath: String?
    package var replicatePermissions = true
    package var replicateProjectDeletions = false
    package var replicateHiddenProjects = false
    package var remoteNameStyle = RemoteNameStyle.slash
    /// `urlDistributionStrategy`: which of several URLs a push goes to.
    package var urlDistribution = URLDistribution.all
    package var projects = ProjectFilter()
    package var slowLatencyThreshold = Self.defaultSlowLatencyThreshold
    package var pushBatchSize = 0
    package var replicateNoteDbMetaRefs = true
    package var excludedRefsPatterns: [RefNameRegex] = []
    package var username: String?
    package var password: String?
    /// Replicator's own: propagate deletions named by events even when `mirror` is false.
    package var replicateDeletions = false
    /// Replicator's own: a full sync that would prune more refs than this is blocked; 0 disables.
    package var maxDeletions = Self.defaultMaxDeletions
    /// Replicator's own: `maxDeletions` also bounds the deletions pushed to one URL over this sliding
    /// window (single deletions one after another add up); zero: per push only.
    package var maxDeletionsWindow = Self.defaultMaxDeletionsWindow
    package static let defaultMaxDeletionsWindow = Duration.seconds(600)
    /// Replicator's own: the SSH private key for this remote.
    package var identityFile: String?
    /// Replicator's own: the known_hosts file to verify this remote's host keys against.
    package var knownHostsFile: String?
    /// PEM certificates trusted for `https://` mirrors instead of the system's (extension).
    package var sslCAInfo: String?
    /// Extension: the daemon verifies every mirror of this remote once per interval and repairs
    /// what differs (docs/operations.md, "Reconcile"); zero turns it off.
    package var reconcileInterval = Self.defaultReconcileInterval
    package static let defaultReconcileInterval = Duration.seconds(6 * 3600)
    /// Where each `push` line was read, parallel to `push.all`; `nil` for the default refspec.
    package var pushLocations: [ConfigLocation?] = []

    package init(name: String, location: ConfigLocation) {
        self.name = name
        self.location = location
    }

    /// The URLs `project` is pushed to.
    package func urls(forProject project: String) -> [RemoteURL] {
        self.urls.map { $0.expand(project: project, style: self.remoteNameStyle) }
    }

    /// Whether this remote replicates `project` (its `projects` and `excludeProjects`).
    package func replicates(project: String) -> Bool {
        self.projects.matches(project)
    }
}

/// An `excludedRefsPattern` value: a regular expression that must match the whole ref name.
package struct RefNameRegex: Sendable, CustomStringConvertible {
    package let text: String
    private let regex: CompiledRegex

    package init(_ text: String, cache: RegexCache = RegexCache()) throws(RegexSyntaxError) {
        self.text = text
        self.regex = try cache.regex(text)
    }

    package var description: String { self.text }

    package func matches(_ ref: String) -> Bool { self.regex.matchesWhole(ref) }
}
