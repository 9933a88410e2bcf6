/// The rules that keep a ref from being pushed (Gerrit's `canPushRef`) or deleted.
package struct RefPolicy: Sendable {
    package var replicatePermissions: Bool
    package var replicateNoteDbMetaRefs: Bool
    package var excludedRefsPatterns: [RefNameRegex]

    package init(replicatePermissions: Bool, replicateNoteDbMetaRefs: Bool, excludedRefsPatterns: [RefNameRegex]) {
        self.replicatePermissions = replicatePermissions
        self.replicateNoteDbMetaRefs = replicateNoteDbMetaRefs
        self.excludedRefsPatterns = excludedRefsPatterns
    }

    /// The rules of this policy, as `replicator explain` names them.
    package enum Rule: String, Hashable, Sendable, Codable {
        case replicatePermissions
        case cacheAutomerge = "cache-automerge"
        case replicateNoteDbMetaRefs
        case excludedRefsPattern
    }

    /// Why `ref` is never replicated, or `nil` when it may be.
    package func exclusion(of ref: String) -> String? {
        self.excludingRule(of: ref)?.reason
    }

    /// The rule that keeps `ref` from being replicated, and the reason the planner gives.
    package func excludingRule(of ref: String) -> (rule: Rule, reason: String)? {
        if !self.replicatePermissions && ref == "refs/meta/config" {
            return (.replicatePermissions, "refs/meta/config is not replicated (replicatePermissions = false)")
        }
        if ref.hasPrefix("refs/cache-automerge/") {
            return (.cacheAutomerge, "refs/cache-automerge/* is never replicated")
        }
        if !self.replicateNoteDbMetaRefs && Self.isNoteDbMetaRef(ref) {
            return (.replicateNoteDbMetaRefs, "NoteDb meta ref (replicateNoteDbMetaRefs = false)")
        }
        if let pattern = self.excludedRefsPatterns.first(where: { $0.matches(ref) }) {
            return (.excludedRefsPattern, "matches excludedRefsPattern '\(pattern)'")
        }
        return nil
    }

    /// Why a whole project is not replicated, or `nil`: with `replicatePermissions = false`, a
    /// project whose HEAD points at `refs/meta/config` holds nothing but permissions (All-Projects),
    /// and Gerrit schedules no push for it (docs/gerrit-behaviour.md, C23).
    package func projectExclusion(headTarget: String?) -> String? {
        guard !self.replicatePermissions, headTarget == "refs/meta/config" else { return nil }
        return "a permissions-only project (HEAD is refs/meta/config) is not replicated (replicatePermissions = false)"
    }

    /// Gerrit's `RefNames.isNoteDbMetaRef`.
    package static func isNoteDbMetaRef(_ ref: String) -> Bool {
        (ref.hasPrefix("refs/changes/") && (ref.hasSuffix("/meta") || ref.hasSuffix("/robot-comments")))
            || ref.hasPrefix("refs/draft-comments/") || ref.hasPrefix("refs/starred-changes/")
    }
}
