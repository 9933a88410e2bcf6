// What the planner does with refs the remote may not see (docs/visibility.md).
extension UpdatePlanner {
    /// Gerrit's `shouldReplicate`: a hidden project only with `replicateHiddenProjects`, and then only
    /// when the remote's user may read its configuration (READ_CONFIG).
    var hiddenProjectReason: String? {
        guard self.visibility.state == .hidden else { return nil }
        guard self.replicateHiddenProjects else {
            return "the project is hidden (state = HIDDEN) and replicateHiddenProjects = false"
        }
        guard self.visibility.read?.readsConfiguration ?? true else {
            return "the project is hidden and authGroup may not read its refs/meta/config"
        }
        return nil
    }

    /// A ref an event names that exists locally but that the remote may not see (delta mode).
    func planHidden(
        _ source: String,
        _ hidden: String,
        local: RefTable,
        remote: RefTable,
        into plan: inout PlanBuilder
    ) {
        guard let mapping = self.refSpecs.mapping(forSource: source), let id = remote[mapping.destination] else {
            return
        }
        if let reason = self.deletionProtection(of: mapping.destination, mappedFrom: source) {
            plan.skip(source, reason)
        } else if let feeder = self.feeder(of: mapping.destination, local: { local[$0] }) {
            plan.skip(source, "\(hidden); \(mapping.destination) is still pushed from local \(feeder)")
        } else {
            self.planNoLongerVisible(mapping.destination, id: id, isForced: mapping.isForced, hidden, into: &plan)
        }
    }

    /// A copy on the remote of a ref the remote may no longer see: deleted like a deletion at the
    /// source where the remote propagates deletions, else kept and reported (docs/visibility.md).
    func planNoLongerVisible(
        _ destination: String,
        id: ObjectID,
        isForced: Bool,
        _ hidden: String,
        into plan: inout PlanBuilder
    ) {
        guard self.isMirror || self.replicateDeletions else {
            plan.skip(
                destination,
                "no longer visible (\(hidden)) but left on the remote: mirror and replicateDeletions are false",
                kind: .noLongerVisible
            )
            return
        }
        plan.add(.deletion(of: destination, at: id, isForced: isForced, reason: "no longer visible (\(hidden))"))
    }
}
