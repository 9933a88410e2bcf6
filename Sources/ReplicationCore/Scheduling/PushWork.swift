/// What one push to one URL has to do; pending events for the same URL merge into one.
package struct PushWork: Hashable, Sendable, Codable {
    /// Delete the mirror before anything else (`project-deleted`).
    package var deleteProject = false
    /// Compare every ref with the mirror; absorbs `refs`.
    package var fullSync = false
    /// Refs to look at (delta); empty when `fullSync`.
    package var refs: Set<String> = []
    /// Move the mirror's HEAD to the source's.
    package var updateHead = false
    /// A person allowed this push to delete more than `maxDeletions` refs (`start
    /// --allow-mass-deletion`, `replicator allow-deletions`).
    package var allowMassDeletion = false
    /// Object ids events reported for `refs`: what proves a delta deletion (empty when `fullSync`).
    package var knownValues: [String: Set<String>] = [:]
    /// Refs the daemon deleted at this URL within `maxDeletionsWindow` before this push, set when it
    /// starts (never merged): the mass-deletion guard counts them with the push's own.
    package var recentDeletions: Int?

    package init(
        deleteProject: Bool = false,
        fullSync: Bool = false,
        refs: Set<String> = [],
        updateHead: Bool = false,
        allowMassDeletion: Bool = false,
        knownValues: [String: Set<String>] = [:]
    ) {
        self.deleteProject = deleteProject
        self.fullSync = fullSync
        self.refs = fullSync ? [] : refs
        self.updateHead = updateHead
        self.allowMassDeletion = allowMassDeletion
        self.knownValues = fullSync ? [:] : knownValues
    }

    package var isEmpty: Bool { !self.deleteProject && !self.fullSync && self.refs.isEmpty && !self.updateHead }

    /// Merges work that arrived later. A deletion supersedes everything queued before it; a full sync
    /// absorbs deltas (Gerrit's `..all..`).
    package mutating func absorb(_ later: PushWork) {
        if later.deleteProject {
            self = later
            return
        }
        self.fullSync = self.fullSync || later.fullSync
        self.refs = self.fullSync ? [] : self.refs.union(later.refs)
        self.knownValues = self.fullSync ? [:] : self.knownValues.merging(later.knownValues) { $0.union($1) }
        self.updateHead = self.updateHead || later.updateHead
        self.allowMassDeletion = self.allowMassDeletion || later.allowMassDeletion
    }

    /// Refs for log lines and `list`: at most `limit`, then a count of the rest; 0 shows them all
    /// (Gerrit's `maxRefsToLog` and `maxRefsToShow`).
    package func summary(limit: Int) -> String {
        var parts: [String] = []
        if self.deleteProject { parts.append("delete-project") }
        if self.fullSync { parts.append("..all..") }
        let refs = self.refs.sorted()
        let shown = limit > 0 ? limit : refs.count
        parts += refs.prefix(shown)
        if refs.count > shown { parts.append("(+\(refs.count - shown) more)") }
        if self.updateHead { parts.append("HEAD") }
        return parts.joined(separator: " ")
    }
}
