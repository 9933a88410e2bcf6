/// Builds a ``RefExplanation`` from the planner's rules and plans. Pure.
package struct RefExplainer: Sendable {
    package let remote: RemoteConfiguration
    package let planner: UpdatePlanner

    package init(remote: RemoteConfiguration, visibility: ProjectVisibility) {
        self.remote = remote
        self.planner = UpdatePlanner(remote: remote, visibility: visibility)
    }

    /// `local` is the source's refs and HEAD; `mirror` the listing, or `nil` when there is none.
    package func explain(
        project: String,
        ref: String,
        url: String,
        local: RefTable,
        headTarget: String?,
        mirror: RefTable?,
        replicatesProject: Bool,
        isAncestor: (_ ancestor: ObjectID, _ descendant: ObjectID) -> Bool? = { _, _ in nil }
    ) -> RefExplanation {
        let specs = self.planner.refSpecs
        let mapping = specs.mapping(forSource: ref).map { mapped in
            let index = specs.lineIndex(mappingSource: ref)
            return RefExplanation.Mapping(
                refspec: index.map { specs.all[$0].description } ?? "",
                location: index.flatMap { self.location(ofLine: $0) },
                destination: mapped.destination,
                isForced: mapped.isForced
            )
        }
        var explanation = RefExplanation(
            project: project,
            ref: ref,
            remote: self.remote.name,
            url: url,
            mapping: mapping,
            rules: self.rules(
                ref: ref,
                mapping: mapping,
                local: local,
                headTarget: headTarget,
                replicatesProject: replicatesProject
            ),
            sourceID: local[ref],
            mirrorID: mapping.flatMap { mirror?[$0.destination] },
            listed: mirror != nil
        )
        if let mirror, replicatesProject {
            self.predict(into: &explanation, local: local, headTarget: headTarget, mirror: mirror)
            Self.checkFastForward(&explanation.delta, explanation, isAncestor: isAncestor)
            Self.checkFastForward(&explanation.fullSync, explanation, isAncestor: isAncestor)
        }
        return explanation
    }

    private func rules(
        ref: String,
        mapping: RefExplanation.Mapping?,
        local: RefTable,
        headTarget: String?,
        replicatesProject: Bool
    ) -> [RefExplanation.Rule] {
        typealias Rule = RefExplanation.Rule
        var rules: [Rule] = []
        if !replicatesProject {
            rules.append(
                Rule(kind: "projects", message: "remote.\(self.remote.name).projects does not take this project")
            )
        }
        if let skip = self.planner.projectSkip(headTarget: headTarget, mode: .delta), let reason = skip.skipped.first {
            rules.append(Rule(kind: "project", message: reason.reason))
        }
        let specs = self.planner.refSpecs
        if let negative = specs.lineIndex(excludingSource: ref), let reason = self.planner.eventSkipReason(for: ref) {
            rules.append(Rule(kind: "negative-refspec", message: reason, location: self.location(ofLine: negative)))
        } else if ref == "HEAD" || mapping == nil, let reason = self.planner.eventSkipReason(for: ref) {
            rules.append(Rule(kind: ref == "HEAD" ? "HEAD" : "no-refspec", message: reason))
        }
        if let excluded = self.planner.policy.excludingRule(of: ref) {
            rules.append(Rule(kind: excluded.rule.rawValue, message: excluded.reason))
        }
        if local[ref] != nil || mapping != nil, let hidden = self.planner.visibility.hiddenReason(of: ref) {
            rules.append(Rule(kind: "visibility", message: hidden))
        }
        if let mapping, let feeder = self.planner.feeder(of: mapping.destination, local: { local[$0] }), feeder != ref {
            rules.append(
                Rule(
                    kind: "shared-destination",
                    message: "\(mapping.destination) is also fed from local \(feeder), by an earlier push line: "
                        + "that ref keeps it from being deleted"
                )
            )
        }
        return rules
    }

    /// What a delta (an event naming the ref, reporting the mirror's value) and a full sync would do.
    private func predict(
        into explanation: inout RefExplanation,
        local: RefTable,
        headTarget: String?,
        mirror: RefTable
    ) {
        let ref = explanation.ref
        if let skip = self.planner.projectSkip(headTarget: headTarget, mode: .delta) {
            let reason = skip.skipped.first?.reason ?? "not replicated"
            explanation.delta = .init(action: "none", detail: reason)
            explanation.fullSync = .init(action: "none", detail: reason)
            return
        }
        let destination = explanation.mapping?.destination ?? ref
        let known = mirror[destination].map { [ref: Set([$0.hex])] } ?? [:]
        let delta = self.planner.planDelta(refs: [ref], local: local, remote: mirror, knownValues: known)
        let idle: String =
            switch (local[ref], mirror[destination]) {
            case (let source?, let copy?) where source == copy: "up to date: both at \(source.hex)"
            case (nil, nil): "neither the source nor the mirror has it"
            default: "nothing to do"
            }
        explanation.delta = Self.prediction(of: delta, ref: ref, destination: destination, idle: idle)
        let full = self.planner.planFullSync(local: local, remote: mirror)
        explanation.fullSync = Self.prediction(of: full, ref: ref, destination: destination, idle: idle)
        if let blocked = full.blocked, full.updates.contains(where: { $0.destination == destination }) {
            explanation.rules.append(.init(kind: "mass-deletion-guard", message: blocked))
        }
    }

    static func prediction(of plan: UpdatePlan, ref: String, destination: String, idle: String)
        -> RefExplanation.Prediction
    {
        if let update = plan.updates.first(where: { $0.destination == destination || $0.source == ref }) {
            let action =
                switch update.action {
                case .create: "create"
                case .delete: "delete"
                case .update: update.isForced ? "force-update" : "update"
                }
            let detail =
                update.reason
                ?? "\(update.destination): \(update.oldID?.hex ?? "(none)") → \(update.newID?.hex ?? "(deleted)")"
            if let blocked = plan.blocked { return .init(action: "held", detail: "\(action) held: \(blocked)") }
            return .init(action: action, detail: detail)
        }
        if let skipped = plan.skipped.first(where: { $0.ref == ref || $0.ref == destination }) {
            return .init(action: "none", detail: skipped.reason)
        }
        return .init(action: "none", detail: idle)
    }

    /// A non-forced update the mirror would refuse, as the push path refuses it before sending.
    private static func checkFastForward(
        _ prediction: inout RefExplanation.Prediction?,
        _ explanation: RefExplanation,
        isAncestor: (ObjectID, ObjectID) -> Bool?
    ) {
        guard prediction?.action == "update", let old = explanation.mirrorID, let new = explanation.sourceID,
            isAncestor(old, new) != true
        else { return }
        prediction = .init(
            action: "rejected",
            detail:
                "non-fast-forward: the mirror's \(old.hex) is not an ancestor of \(new.hex) and the refspec is not forced"
        )
    }

    private func location(ofLine index: Int) -> String? {
        guard index < self.remote.pushLocations.count else { return nil }
        return self.remote.pushLocations[index].map { "\($0.file):\($0.line)" }
    }
}
