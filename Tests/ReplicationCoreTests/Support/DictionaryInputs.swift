import ReplicationCore

// The planner's and the drift scope's inputs are sorted ``RefTable``s; these tests write their refs
// as dictionaries, which say the same thing more readably.

extension UpdatePlanner {
    func planFullSync(
        local: [String: ObjectID],
        remote: [String: ObjectID],
        allowMassDeletion: Bool = false,
        recentDeletions: Int = 0
    ) -> UpdatePlan {
        self.planFullSync(
            local: RefTable(local),
            remote: RefTable(remote),
            allowMassDeletion: allowMassDeletion,
            recentDeletions: recentDeletions
        )
    }

    func planDelta(
        refs: [String],
        local: [String: ObjectID],
        remote: [String: ObjectID],
        knownValues: [String: Set<String>] = [:],
        allowMassDeletion: Bool = false,
        recentDeletions: Int = 0
    ) -> UpdatePlan {
        self.planDelta(
            refs: refs,
            local: RefTable(local),
            remote: RefTable(remote),
            knownValues: knownValues,
            allowMassDeletion: allowMassDeletion,
            recentDeletions: recentDeletions
        )
    }
}

extension DriftScope {
    func compare(
        local: [String: ObjectID],
        remote: [String: ObjectID],
        isAncestor: (_ ancestor: ObjectID, _ descendant: ObjectID) -> Bool?
    ) -> MirrorDrift {
        self.compare(local: RefTable(local), remote: RefTable(remote), isAncestor: isAncestor)
    }
}

extension RefExplainer {
    func explain(
        project: String,
        ref: String,
        url: String,
        local: [String: ObjectID],
        headTarget: String?,
        mirror: [String: ObjectID]?,
        replicatesProject: Bool,
        isAncestor: (_ ancestor: ObjectID, _ descendant: ObjectID) -> Bool? = { _, _ in nil }
    ) -> RefExplanation {
        self.explain(
            project: project,
            ref: ref,
            url: url,
            local: RefTable(local),
            headTarget: headTarget,
            mirror: mirror.map(RefTable.init),
            replicatesProject: replicatesProject,
            isAncestor: isAncestor
        )
    }
}
