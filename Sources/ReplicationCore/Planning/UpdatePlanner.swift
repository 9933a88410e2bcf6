/// Turns local refs, the remote's advertised refs and (in delta mode) the ref names of events into
/// an ``UpdatePlan`` for one URL. Pure: the same inputs always give the same plan, which is what
/// both `start --dry-run` and the push path use.
///
/// Deletion is stricter than Gerrit's: a remote ref is deleted only if a push refspec destination
/// covers it, no exclusion rule or negative refspec covers the source it maps back to, no refspec
/// maps an existing local ref onto it, and it is not `HEAD`. See `docs/mirror-semantics.md`.
package struct UpdatePlanner: Sendable {
    package var remoteName: String
    package var refSpecs: PushRefSpecs
    package var policy: RefPolicy
    package var isMirror: Bool
    package var replicateDeletions: Bool
    package var maxDeletions: Int
    package var replicateHiddenProjects: Bool
    /// What the remote may see of this project (docs/visibility.md); unrestricted by default.
    package var visibility: ProjectVisibility

    package init(remote: RemoteConfiguration, visibility: ProjectVisibility = .unrestricted) {
        self.remoteName = remote.name
        self.refSpecs = remote.push
        self.policy = RefPolicy(
            replicatePermissions: remote.replicatePermissions,
            replicateNoteDbMetaRefs: remote.replicateNoteDbMetaRefs,
            excludedRefsPatterns: remote.excludedRefsPatterns
        )
        self.isMirror = remote.isMirror
        self.replicateDeletions = remote.replicateDeletions
        self.maxDeletions = remote.maxDeletions
        self.replicateHiddenProjects = remote.replicateHiddenProjects
        self.visibility = visibility
    }

    /// Gerrit's `doPushAll`: every local ref against the remote's refs; prunes only with `mirror`.
    ///
    /// A merge of the two sorted tables: each side is walked in order and looked up in the other
    /// with a ``RefTable/Cursor``, so an identity refspec costs a few comparisons per ref and the
    /// plan comes out in order (git's `match_push_refs` does the same walk).
    package func planFullSync(
        local: RefTable,
        remote: RefTable,
        allowMassDeletion: Bool = false,
        recentDeletions: Int = 0
    ) -> UpdatePlan {
        var plan = PlanBuilder(mode: .full)
        var remoteCursor = RefTable.Cursor(remote)
        for index in 0..<local.count {
            self.planPush(of: local.name(at: index), id: local.id(at: index), into: &plan) {
                remoteCursor.id(of: $0)
            }
        }
        var localCursor = RefTable.Cursor(local)
        for index in 0..<remote.count {
            self.planPrune(of: remote.name(at: index), id: remote.id(at: index), into: &plan) {
                localCursor.id(of: $0)
            }
        }
        return plan.build(
            blocked: allowMassDeletion ? nil : self.massDeletionBlock(plan.deletions.count, recent: recentDeletions)
        )
    }

    /// Gerrit's `doPushDelta`: the refs named by events, against local state read now. A ref gone
    /// locally is deleted on the mirror only while the mirror holds a value the events reported for
    /// it (`knownValues`), and the mass-deletion guard holds the plan as it does a full sync's.
    package func planDelta(
        refs: [String],
        local: RefTable,
        remote: RefTable,
        knownValues: [String: Set<String>] = [:],
        allowMassDeletion: Bool = false,
        recentDeletions: Int = 0
    ) -> UpdatePlan {
        var plan = PlanBuilder(mode: .delta)
        var seen = Set<String>()
        for name in self.withChangeMetaRefs(refs, local: local) where seen.insert(name).inserted {
            if let reason = self.unmapped(name) {
                plan.skip(name, reason)
                continue
            }
            if let id = local[name] {
                self.planPush(of: name, id: id, into: &plan) { remote[$0] }
                if let hidden = self.visibility.hiddenReason(of: name) {
                    self.planHidden(name, hidden, local: local, remote: remote, into: &plan)
                }
            } else {
                self.planDeletion(of: name, local: local, remote: remote, knownValues: knownValues[name], into: &plan)
            }
        }
        return plan.build(
            blocked: allowMassDeletion ? nil : self.massDeletionBlock(plan.deletions.count, recent: recentDeletions)
        )
    }

    /// Every local ref a delta plan of `refs` may look up: the refs, their changes' meta refs, and
    /// each source a push line maps onto the same remote ref as one of them (a local ref that
    /// keeps that remote ref from being deleted). With visibility unrestricted, a plan from just
    /// these refs equals the plan from all of them, so an event's push into a repository of a
    /// million refs reads a few (``planDelta(refs:local:remote:knownValues:allowMassDeletion:recentDeletions:)``).
    package func localRefsRead(byDeltaOf refs: [String]) -> Set<String> {
        var names = Set(refs)
        for ref in refs where !ref.hasSuffix("/meta") {
            if let change = PushUnits.change(of: ref) { names.insert(String(change) + "/meta") }
        }
        for name in names {
            guard let mapping = self.refSpecs.mapping(forSource: name) else { continue }
            names.formUnion(self.refSpecs.sources(feeding: mapping.destination))
        }
        return names
    }

    /// `refs` and, for each patch set among them, its change's meta ref where the source has one and
    /// this remote takes it: Gerrit writes both in one batch but its stream reports them as two
    /// events, and a replica must never hold a patch set without its meta (whatever the intake).
    private func withChangeMetaRefs(_ refs: [String], local: RefTable) -> [String] {
        var result = refs
        for ref in refs where !ref.hasSuffix("/meta") {
            guard let change = PushUnits.change(of: ref) else { continue }
            let meta = String(change) + "/meta"
            if local[meta] != nil, self.eventSkipReason(for: meta) == nil { result.append(meta) }
        }
        return result
    }

    /// The plan for a project this remote does not replicate at all (``RefPolicy/projectExclusion(headTarget:)``,
    /// a hidden project): nothing to push, the reason reported against `HEAD`; `nil` for every other project.
    package func projectSkip(headTarget: String?, mode: UpdatePlan.Mode) -> UpdatePlan? {
        guard
            let reason = self.policy.projectExclusion(headTarget: headTarget) ?? self.hiddenProjectReason
                ?? self.visibility.failure
        else {
            return nil
        }
        return UpdatePlan(
            mode: mode,
            updates: [],
            skipped: [SkippedRef(ref: "HEAD", reason: reason)],
            blocked: nil,
            upToDate: 0
        )
    }

    /// Why a ref an event names can lead to no update on this remote, whatever either repository
    /// holds (the reason ``planDelta(refs:local:remote:knownValues:allowMassDeletion:)`` gives), or
    /// `nil`: the daemon schedules no push for such refs.
    package func eventSkipReason(for ref: String) -> String? {
        self.unmapped(ref) ?? self.policy.exclusion(of: ref)
    }

    /// `HEAD`, or a ref no positive refspec line takes as its source.
    private func unmapped(_ name: String) -> String? {
        if name == "HEAD" { return "HEAD changes are propagated as a symbolic ref, not pushed" }
        guard self.refSpecs.mapping(forSource: name) == nil else { return nil }
        return self.negativeExclusion(of: name) ?? "matches no push refspec of remote \(self.remoteName)"
    }

    private func planPush(
        of name: String,
        id: ObjectID,
        into plan: inout PlanBuilder,
        remote: (String) -> ObjectID?
    ) {
        guard let mapping = self.refSpecs.mapping(forSource: name) else {
            if let reason = self.negativeExclusion(of: name) { plan.skip(name, reason) }
            return
        }
        if name == "HEAD" {
            plan.skip(name, "HEAD is not pushed as a ref; it follows the source repository's HEAD")
            return
        }
        if let reason = self.policy.exclusion(of: name) {
            plan.skip(name, reason)
            return
        }
        if let hidden = self.visibility.hiddenReason(of: name) {
            // A copy already on the remote is the prune's (full) or planHidden's (delta) to handle.
            if remote(mapping.destination) == nil { plan.skip(name, hidden) }
            return
        }
        let old = remote(mapping.destination)
        guard old != id else {
            plan.upToDate += 1
            return
        }
        let action: RefUpdate.Action = old == nil ? .create : .update
        plan.add(
            RefUpdate(
                action: action,
                source: name,
                destination: mapping.destination,
                oldID: old,
                newID: id,
                isForced: mapping.isForced
            )
        )
    }

    /// A remote ref in full mode: pruned with `mirror`, reported as remote-only otherwise.
    private func planPrune(
        of destination: String,
        id: ObjectID,
        into plan: inout PlanBuilder,
        local: (String) -> ObjectID?
    ) {
        guard let mapping = self.refSpecs.mapping(forDestination: destination),
            self.feeder(of: destination, local: local) == nil
        else { return }
        if let reason = self.deletionProtection(of: destination, mappedFrom: mapping.source) {
            plan.skip(destination, reason)
        } else if local(mapping.source) != nil, let hidden = self.visibility.hiddenReason(of: mapping.source) {
            self.planNoLongerVisible(destination, id: id, isForced: mapping.isForced, hidden, into: &plan)
        } else if self.isMirror {
            plan.add(.deletion(of: destination, at: id, isForced: mapping.isForced))
        } else {
            plan.skip(destination, "exists only on the remote; full syncs prune only with mirror = true")
        }
    }

    /// A ref named by an event that is gone locally.
    private func planDeletion(
        of source: String,
        local: RefTable,
        remote: RefTable,
        knownValues: Set<String>?,
        into plan: inout PlanBuilder
    ) {
        guard let mapping = self.refSpecs.mapping(forSource: source) else { return }
        guard let id = remote[mapping.destination] else {
            plan.upToDate += 1  // already absent on the remote
            return
        }
        if let reason = self.deletionProtection(of: mapping.destination, mappedFrom: source) {
            plan.skip(source, reason)
        } else if let feeder = self.feeder(of: mapping.destination, local: { local[$0] }) {
            plan.skip(source, "not deleted: \(mapping.destination) is still pushed from local \(feeder)")
        } else if !(self.isMirror || self.replicateDeletions) {
            plan.skip(source, "deleted locally; not propagated because mirror and replicateDeletions are false")
        } else if knownValues?.contains(id.hex) != true {
            let reported = knownValues.map { $0.sorted().joined(separator: ", ") } ?? "none"
            plan.skip(
                source,
                "not deleted: the mirror has \(id.hex), not a value the source reported for this ref (\(reported)); "
                    + "a full sync with mirror = true prunes it",
                kind: .unprovenDeletion
            )
        } else {
            plan.add(.deletion(of: mapping.destination, at: id, isForced: mapping.isForced))
        }
    }

    /// Why the remote ref `destination` (fed from `source`) must never be deleted, or `nil`.
    func deletionProtection(of destination: String, mappedFrom source: String) -> String? {
        if destination == "HEAD" { return "HEAD is never deleted" }
        if let reason = self.negativeExclusion(of: source) { return "not deleted: \(reason)" }
        if let reason = self.policy.exclusion(of: source) { return "not deleted: \(reason)" }
        return nil
    }

    /// The first local ref (visible to the remote) that some refspec maps onto `destination`: such
    /// a remote ref is never deleted.
    func feeder(of destination: String, local: (String) -> ObjectID?) -> String? {
        self.refSpecs.firstSource(feeding: destination) {
            local($0) != nil && self.visibility.hiddenReason(of: $0) == nil
        }
    }

    private func negativeExclusion(of source: String) -> String? {
        guard let negative = self.refSpecs.all.first(where: { $0.isNegative && $0.matchesSource(source) }) else {
            return nil
        }
        return "excluded by negative refspec '\(negative)'"
    }

    /// Why the plan is held: its deletions, with `recent` ones at the same URL (within
    /// `maxDeletionsWindow`), go past `maxDeletions`.
    private func massDeletionBlock(_ deletions: Int, recent: Int) -> String? {
        guard self.maxDeletions > 0, deletions > 0, deletions + recent > self.maxDeletions else { return nil }
        let earlier =
            recent > 0 ? " (with \(recent) deleted at this URL within maxDeletionsWindow, \(deletions + recent))" : ""
        return
            "would delete \(deletions) refs\(earlier), more than remote.\(self.remoteName).maxDeletions = "
            + "\(self.maxDeletions); nothing is pushed to this URL. Review the deletions with `replicator start --dry-run`, then let them "
            + "through once with `replicator allow-deletions PROJECT --remote \(self.remoteName)` (a held push) or "
            + "`start --allow-mass-deletion`, or raise maxDeletions"
    }
}

/// Accumulates a plan: pushes before deletes, each in ref order.
struct PlanBuilder {
    let mode: UpdatePlan.Mode
    var pushes: [RefUpdate] = []
    var deletions: [RefUpdate] = []
    var skipped: [SkippedRef] = []
    var upToDate = 0

    init(mode: UpdatePlan.Mode) {
        self.mode = mode
    }

    mutating func add(_ update: RefUpdate) {
        if update.action == .delete { self.deletions.append(update) } else { self.pushes.append(update) }
    }

    mutating func skip(_ ref: String, _ reason: String, kind: SkippedRef.Kind = .rule) {
        self.skipped.append(SkippedRef(ref: ref, reason: reason, kind: kind))
    }

    /// Full plans: pushes then deletes, each by destination, skipped refs by name. Delta plans keep
    /// the order of the events.
    func build(blocked: String?) -> UpdatePlan {
        let isFull = self.mode == .full
        return UpdatePlan(
            mode: self.mode,
            updates: isFull ? Self.sorted(self.pushes) + Self.sorted(self.deletions) : self.pushes + self.deletions,
            skipped: isFull ? Self.sorted(self.skipped, by: \.ref) : self.skipped,
            blocked: blocked,
            upToDate: self.upToDate
        )
    }

    private static func sorted(_ updates: [RefUpdate]) -> [RefUpdate] {
        Self.sorted(updates, by: \.destination)
    }

    /// A merge yields its output in order with identity refspecs: check (one pass) before sorting.
    private static func sorted<Element>(_ elements: [Element], by name: @escaping (Element) -> String) -> [Element] {
        let precedes = { (lhs: Element, rhs: Element) in name(lhs).utf8.lexicographicallyPrecedes(name(rhs).utf8) }
        let isSorted = zip(elements, elements.dropFirst()).allSatisfy { !precedes($1, $0) }
        return isSorted ? elements : elements.sorted(by: precedes)
    }
}
