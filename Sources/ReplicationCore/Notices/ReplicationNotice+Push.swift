/// The notices of a push's life, as the plugin posts them: scheduled when queued, replicated per
/// ref when a URL is done with it (a retried push says nothing until its last attempt), done when
/// every URL is.
extension ReplicationNotice {
    /// `work` was queued for `target` (`..all..` for a full sync).
    package static func scheduled(_ work: PushWork, to target: PushTarget, at seconds: Int) -> [ReplicationNotice] {
        let named = NoticeTarget(url: target.url)
        if work.deleteProject {
            return [
                ReplicationNotice(
                    type: .projectDeletionReplicationScheduled,
                    project: target.project,
                    target: named,
                    eventCreatedOn: seconds
                )
            ]
        }
        let refs = work.fullSync ? [Self.allRefs] : work.refs.sorted()
        return refs.map {
            ReplicationNotice(
                type: .refReplicationScheduled,
                project: target.project,
                ref: $0,
                target: named,
                eventCreatedOn: seconds
            )
        }
    }

    /// `target` is done with `work` (delivered, or given up on): one notice per ref it reports
    /// (`not-attempted` only for refs an event named).
    package static func replicated(
        _ work: PushWork,
        to target: PushTarget,
        result: PushAttemptResult.Kind,
        statuses: [RefStatus],
        at seconds: Int
    ) -> [ReplicationNotice] {
        let named = NoticeTarget(url: target.url)
        if work.deleteProject {
            return [
                ReplicationNotice(
                    type: result == .ok ? .projectDeletionReplicationSucceeded : .projectDeletionReplicationFailed,
                    project: target.project,
                    target: named,
                    eventCreatedOn: seconds
                )
            ]
        }
        // A full sync's kept-back refs (hidden, excluded) were never asked for: no notice each time.
        let reported = work.fullSync ? statuses.filter { $0.status != .skipped } : statuses
        var notices = reported.compactMap { status -> ReplicationNotice? in
            guard let (pushResult, refStatus) = Self.gerritStatus(of: status) else { return nil }
            return ReplicationNotice(
                type: .refReplicated,
                project: target.project,
                ref: status.ref,
                target: named,
                status: pushResult,
                refStatus: refStatus,
                eventCreatedOn: seconds
            )
        }
        if notices.isEmpty, work.fullSync, result != .ok {
            notices.append(
                ReplicationNotice(
                    type: .refReplicated,
                    project: target.project,
                    ref: Self.allRefs,
                    target: named,
                    status: .failed,
                    eventCreatedOn: seconds
                )
            )
        }
        return notices
    }

    /// Every URL an event was planned for is done with it: one notice per ref it named.
    package static func done(
        project: String,
        refs: [String],
        deletesProject: Bool,
        nodesCount: Int,
        at seconds: Int
    ) -> [ReplicationNotice] {
        if deletesProject {
            return [ReplicationNotice(type: .projectDeletionReplicationDone, project: project, eventCreatedOn: seconds)]
        }
        return refs.map {
            ReplicationNotice(
                type: .refReplicationDone,
                project: project,
                ref: $0,
                nodesCount: nodesCount,
                eventCreatedOn: seconds
            )
        }
    }

    /// `status` and `refStatus` of one ref's result; `nil` for a ref still held (it has no result yet).
    static func gerritStatus(of status: RefStatus) -> (PushResult, RemoteRefStatus?)? {
        switch status.status {
        case .ok: (.succeeded, .ok)
        case .upToDate: (.succeeded, .upToDate)
        case .skipped: (.notAttempted, .notAttempted)
        case .failed: (.failed, nil)
        case .held: nil
        case .rejected: (.failed, Self.rejection(status.message ?? ""))
        }
    }

    /// Which of JGit's rejections a mirror's message is.
    package static func rejection(_ message: String) -> RemoteRefStatus {
        let text = message.lowercased()
        if text.contains("non-fast-forward") || text.contains("fetch first") || text.contains("nonfastforward") {
            return .rejectedNonFastForward
        }
        if text.contains("delet") { return .rejectedNoDelete }
        return .rejectedOtherReason
    }
}
