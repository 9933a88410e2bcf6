/// The refs one remote's mirror should hold of a project, and the ones it holds that the remote's
/// rules speak for: the refs its push refspecs map, minus exclusions and what visibility hides
/// (docs/operations.md, "Verify"). Nothing outside the scope is compared, so a GitHub mirror's
/// `refs/pull/*` never shows up. Pure: the planner's own rules decide the scope.
package struct DriftScope: Sendable {
    package let planner: UpdatePlanner

    package init(planner: UpdatePlanner) {
        self.planner = planner
    }

    /// A source ref in the scope, keyed by the mirror ref it maps onto.
    package struct SourceRef: Hashable, Sendable {
        package var source: String
        package var id: ObjectID
        package var isForced: Bool
    }

    /// The source's side of the scope: mirror ref name → the source ref feeding it. Where several
    /// source refs map onto one mirror ref, the one the planner keeps (first refspec line) wins.
    package func sourceView(local: RefTable) -> [String: SourceRef] {
        var view: [String: SourceRef] = [:]
        for (name, id) in local where self.isInScope(source: name) {
            guard let mapping = self.planner.refSpecs.mapping(forSource: name) else { continue }
            let candidate = SourceRef(source: name, id: id, isForced: mapping.isForced)
            if view[mapping.destination] != nil {
                guard self.planner.feeder(of: mapping.destination, local: { local[$0] }) == name else { continue }
            }
            view[mapping.destination] = candidate
        }
        return view
    }

    /// The mirror's side: its refs that the source side has or that a refspec maps back to a source
    /// ref the rules would let it delete (not `HEAD`, not excluded, no negative refspec).
    package func mirrorView(remote: RefTable, sourceView: [String: SourceRef]) -> [String: ObjectID] {
        var view: [String: ObjectID] = [:]
        for (name, id) in remote where self.isInScope(mirror: name, sourceView: sourceView) { view[name] = id }
        return view
    }

    private func isInScope(mirror name: String, sourceView: [String: SourceRef]) -> Bool {
        if sourceView[name] != nil { return true }
        guard let mapping = self.planner.refSpecs.mapping(forDestination: name) else { return false }
        return self.planner.deletionProtection(of: name, mappedFrom: mapping.source) == nil
    }

    /// Both sides of the scope, keyed by mirror ref name.
    package struct Views: Sendable {
        package var source: [String: SourceRef]
        package var mirror: [String: ObjectID]
    }

    package func views(local: RefTable, remote: RefTable) -> Views {
        let source = self.sourceView(local: local)
        return Views(source: source, mirror: self.mirrorView(remote: remote, sourceView: source))
    }

    /// Every difference between the two sides. `isAncestor(a, b)` answers whether commit `a` is an
    /// ancestor of `b` in the source repository (`nil`: cannot tell, e.g. `a` is not there).
    package func compare(
        local: RefTable,
        remote: RefTable,
        isAncestor: (_ ancestor: ObjectID, _ descendant: ObjectID) -> Bool?
    ) -> MirrorDrift {
        self.compare(self.views(local: local, remote: remote), local: local, isAncestor: isAncestor)
    }

    /// ``compare(local:remote:isAncestor:)`` of views already taken.
    package func compare(
        _ views: Views,
        local: RefTable,
        isAncestor: (_ ancestor: ObjectID, _ descendant: ObjectID) -> Bool?
    ) -> MirrorDrift {
        let (source, mirror) = (views.source, views.mirror)
        var differences: [RefDrift] = []
        for (name, ref) in source {
            guard let mirrorID = mirror[name] else {
                differences.append(Self.drift(.missing, name, ref, mirrorID: nil))
                continue
            }
            guard mirrorID != ref.id else { continue }
            let kind: RefDrift.Kind =
                if isAncestor(mirrorID, ref.id) == true {
                    .stale
                } else if isAncestor(ref.id, mirrorID) == true {
                    .ahead
                } else {
                    .diverged
                }
            differences.append(Self.drift(kind, name, ref, mirrorID: mirrorID))
        }
        for (name, id) in mirror where source[name] == nil {
            differences.append(self.extra(name, id: id, local: local))
        }
        differences.sort { $0.ref.utf8.lexicographicallyPrecedes($1.ref.utf8) }
        return MirrorDrift(differences: differences, sourceRefs: source.count, mirrorRefs: mirror.count)
    }

    /// Whether a source ref is one this remote replicates (the planner's rules, HEAD aside).
    private func isInScope(source name: String) -> Bool {
        name != "HEAD" && self.planner.eventSkipReason(for: name) == nil
            && self.planner.visibility.hiddenReason(of: name) == nil
    }

    private func extra(_ name: String, id: ObjectID, local: RefTable) -> RefDrift {
        let mapping = self.planner.refSpecs.mapping(forDestination: name)
        let source = mapping?.source ?? name
        return RefDrift(
            kind: .extra,
            ref: name,
            source: source,
            sourceID: nil,
            mirrorID: id,
            isForced: mapping?.isForced ?? false,
            hiddenReason: local[source] != nil ? self.planner.visibility.hiddenReason(of: source) : nil
        )
    }

    private static func drift(_ kind: RefDrift.Kind, _ name: String, _ ref: SourceRef, mirrorID: ObjectID?) -> RefDrift
    {
        RefDrift(
            kind: kind,
            ref: name,
            source: ref.source,
            sourceID: ref.id,
            mirrorID: mirrorID,
            isForced: ref.isForced
        )
    }
}
