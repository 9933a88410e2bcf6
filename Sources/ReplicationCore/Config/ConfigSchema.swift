/// Every key Replicator knows, by section, spelled as documented. Keys are matched
/// case-insensitively; anything else is reported as unknown, with a suggestion.
package enum ConfigSchema {
    package static let gerritKeys = [
        "replicateOnStartup", "autoReload", "defaultForceUpdate", "maxRefsToLog", "maxRefsToShow",
        "pushBatchSize", "sshCommandTimeout", "sshConnectionTimeout", "useLegacyCredentials",
        // Replicator's own:
        "basePath",
    ]

    package static let replicationKeys = [
        "distributionInterval", "updateRefErrorMaxRetries", "lockErrorMaxRetries", "maxRetries",
        "eventsDirectory", "rsyncPath",
    ]

    package static let remoteKeys = [
        "url", "adminUrl", "push", "receivepack", "uploadpack", "timeout", "mirror", "storeRefLog",
        "replicationDelay", "rescheduleDelay", "replicationRetry", "replicationMaxRetries",
        "drainQueueAttempts", "threads", "authGroup", "createMissingRepositories", "gitPath",
        "replicatePermissions", "replicateProjectDeletions", "replicateHiddenProjects", "remoteNameStyle",
        "projects", "excludeProjects", "slowLatencyThreshold", "pushBatchSize", "replicateNoteDbMetaRefs",
        "excludedRefsPattern", "username", "password", "urlDistributionStrategy",
        // JGit remote keys that a push-only replicator reads but does not use:
        "fetch", "pushurl", "tagopt",
        // Replicator's own:
        "replicateDeletions", "maxDeletions", "identityFile", "knownHostsFile", "atomicChanges",
        "sslCAInfo", "reconcileInterval", "maxDeletionsWindow", "pushOption",
        "maxPushSize",
    ]

    /// Replicator's own section.
    package static let daemonKeys = [
        "store", "listen", "bearerToken", "caughtUpThreshold", "drainTimeout", "leaseTimeout", "storeTimeout",
        "requestTimeout", "gitPath", "sshIdleTimeout", "reconcileRate", "eventRetention", "webhook", "webhookToken",
    ]

    package static let includeKeys = ["path"]
    package static let urlKeys = ["insteadOf", "pushInsteadOf"]

    /// Sections and their keys.
    package static let sections: [String: [String]] = [
        "gerrit": gerritKeys,
        "replication": replicationKeys,
        "remote": remoteKeys,
        "replicator": daemonKeys,
        "include": includeKeys,
        "url": urlKeys,
    ]

    /// The documented spelling of `key` in `section`, or `nil` when unknown.
    package static func canonicalKey(_ key: String, in section: String) -> String? {
        self.sections[section]?.first { $0.lowercased() == key.lowercased() }
    }

    /// A hint for an unknown key: a close spelling or a longer key ending in it in the same section,
    /// and the section it belongs to when another section has it.
    package static func suggestion(forKey key: String, in section: String) -> String? {
        let candidates = self.sections[section] ?? []
        let lowered = key.lowercased()
        let close =
            Self.closest(to: key, among: candidates)
            ?? candidates.first { $0.lowercased().hasSuffix(lowered) }
        let elsewhere = self.sections.sorted { $0.key < $1.key }.lazy
            .filter { $0.key != section }
            .compactMap { other, keys in keys.first { $0.lowercased() == lowered }.map { (other, $0) } }
            .first
        let hints = [
            close.map { "did you mean '\($0)'?" },
            elsewhere.map { "'\($0.1)' belongs in the [\($0.0)] section" },
        ]
        let text = hints.compactMap(\.self).joined(separator: " ")
        return text.isEmpty ? nil : text
    }

    package static func suggestion(forSection section: String) -> String? {
        Self.closest(to: section, among: Array(self.sections.keys).sorted()).map { "did you mean [\($0)]?" }
    }

    private static func closest(to word: String, among candidates: [String]) -> String? {
        // No key is this long: a suggestion would only cost time (edit distance is quadratic).
        guard word.utf8.count <= 64 else { return nil }
        let lowered = word.lowercased()
        let limit = max(2, lowered.count / 3)
        let scored = candidates.map { ($0, EditDistance.between(lowered, $0.lowercased())) }
        guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= limit else { return nil }
        return best.0
    }
}

/// Levenshtein distance, for did-you-mean suggestions.
package enum EditDistance {
    package static func between(_ a: String, _ b: String) -> Int {
        let a = Array(a.unicodeScalars)
        let b = Array(b.unicodeScalars)
        guard !a.isEmpty else { return b.count }
        var previous = Array(0...b.count)
        for (i, x) in a.enumerated() {
            var current = [i + 1]
            for (j, y) in b.enumerated() {
                current.append(min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1)))
            }
            previous = current
        }
        return previous[b.count]
    }
}
