import Logging
import ReplicationCore

/// The replication log, in the spirit of Gerrit's `replication_log`: one line per push and one per
/// outcome that is not ok, with the data in metadata.
struct ReplicationLog {
    let logger: Logger

    func pushed(_ plan: PlanReport.Plan, duration: Duration) {
        let results = plan.updates.compactMap(\.result)
        var metadata = Self.place(plan.project, plan.remote, plan.url)
        metadata["replication.refs.ok"] = "\(results.count { $0.status == .ok })"
        metadata["replication.refs.rejected"] = "\(results.count { $0.status == .rejected })"
        metadata["replication.refs.failed"] = "\(results.count { $0.status == .failed })"
        metadata["replication.refs.upToDate"] = "\(plan.plan.upToDate)"
        metadata["replication.duration.ms"] = "\(duration.wholeMilliseconds)"
        if plan.remoteMissing { metadata["replication.repository.created"] = "true" }
        if let head = plan.updatedHead { metadata["replication.head"] = "\(head)" }
        self.logger.info("Replication completed", metadata: metadata)
        for update in plan.updates {
            guard let result = update.result, result.status != .ok, result.status != .upToDate else { continue }
            var refMetadata = Self.place(plan.project, plan.remote, plan.url)
            refMetadata["replication.ref"] = "\(update.update.destination)"
            refMetadata["replication.ref.status"] = "\(result.status.rawValue)"
            refMetadata["replication.ref.reason"] = "\(result.message ?? "")"
            self.logger.warning("Ref not replicated", metadata: refMetadata)
        }
    }

    func failed(_ failure: PlanReport.Failure, duration: Duration) {
        var metadata = Self.place(failure.project, failure.remote ?? "", failure.url ?? "")
        metadata["replication.error"] = "\(failure.message)"
        metadata["replication.error.code"] = "\(failure.code ?? "other")"
        metadata["replication.error.class"] = "\(failure.errorClass ?? "transient")"
        metadata["replication.duration.ms"] = "\(duration.wholeMilliseconds)"
        self.logger.error("Replication failed", metadata: metadata)
    }

    private static func place(_ project: String, _ remote: String, _ url: String) -> Logger.Metadata {
        ["replication.project": "\(project)", "replication.remote": "\(remote)", "replication.url": "\(url)"]
    }
}
