import ReplicationCore

extension PlanReport {
    /// What the replication plugin's `replication start --wait` prints
    /// (`PushResultProcessing.CommandProcessing`), for scripts written against it: a line per
    /// project and URL, one per project when all its URLs are done, then the summary. Failures that
    /// name no URL (a project that does not exist) go to standard error as `Error: …`, as there.
    func gerritText() -> (output: String, errors: String) {
        var lines: [String] = []
        var order: [String] = []
        var nodes: [String: Int] = [:]
        func replicated(_ project: String, to url: String, _ outcome: String) {
            let node = NoticeTarget(url: url).node
            lines.append("Replicate \(project) refs \(ReplicationNotice.allRefs) to \(node), \(outcome)")
            if nodes[project] == nil { order.append(project) }
            nodes[project, default: 0] += 1
        }
        for plan in self.plans { replicated(plan.project, to: plan.url, Self.outcome(of: plan)) }
        for failure in self.errors {
            guard let url = failure.url else { continue }
            replicated(failure.project, to: url, "FAILED! (unknown)")
        }
        var output = lines
        for project in order {
            output.append(
                "Replication of \(project) ref \(ReplicationNotice.allRefs) completed to \(nodes[project] ?? 0) nodes,"
            )
        }
        if order.isEmpty {
            output.append("Nothing to replicate")
        } else {
            output.append("----------------------------------------------")
            output.append(
                self.isCompleteSuccess
                    ? "Replication completed successfully!" : "Replication completed with some errors!"
            )
        }
        let errors = self.errors.filter { $0.url == nil }.map { "Error: \($0.message)\n" }.joined()
        return (output.map { $0 + "\n" }.joined(), errors)
    }

    /// `Succeeded! (OK)`, or the last failing ref's status as JGit names it.
    private static func outcome(of plan: Plan) -> String {
        if plan.plan.blocked != nil { return "NOT ATTEMPTED! (NOT_ATTEMPTED)" }
        let failing = plan.updates.compactMap(\.result).filter { $0.status == .rejected || $0.status == .failed }
        guard let last = failing.last else { return "Succeeded! (OK)" }
        guard last.status == .rejected else { return "FAILED! (unknown)" }
        return "FAILED! (\(ReplicationNotice.rejection(last.message ?? "").rawValue))"
    }
}
