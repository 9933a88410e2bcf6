import Logging
import ReplicationCore

extension EngineState {
    /// The replication log's lines for a finished push: one for the push, and one per reason refs
    /// were not taken (its refs counted, the first named). A push that ends as the URL's last one
    /// did (`repeated`: the same failure, the same hold, the same refusals) logs its line without
    /// the reason again, and no ref lines: a reason is logged once per URL and change of state.
    static func audit(
        _ task: Queue.Task,
        _ outcome: PushOutcome,
        result: PushAttemptResult,
        duration: Duration,
        repeated: Bool = false
    ) -> [EngineLogEntry] {
        var metadata = Self.metadata(of: task)
        metadata["replication.result"] = "\(result.kind.rawValue)"
        metadata["replication.duration"] = "\(duration)"
        metadata["replication.bytes"] = "\(outcome.bytesSent)"
        metadata["replication.retries"] = "\(task.retries)"
        for (status, count) in outcome.refOutcomes.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            metadata["replication.refs.\(status.rawValue)"] = "\(count)"
        }
        if outcome.heldRefs > 0 { metadata["replication.refs.held"] = "\(outcome.heldRefs)" }
        for (key, value) in outcome.notes { metadata["replication.\(key)"] = "\(value)" }
        let reason = repeated ? "(unchanged since the last push)" : result.message ?? ""
        if repeated { metadata["replication.repeated"] = "true" }
        var entries: [EngineLogEntry] = []
        switch result {
        case .succeeded, .refsRejected:
            if result.message != nil { metadata["replication.rejected"] = "\(reason)" }
            entries.append(.init(.info, "Replication finished", metadata))
        default:
            metadata["replication.error"] = "\(reason)"
            metadata["replication.error.class"] = "\(result.kind.rawValue)"
            if let code = result.code { metadata["replication.error.code"] = "\(code)" }
            entries.append(.init(.warning, "Replication failed", metadata))
        }
        guard !repeated else { return entries }
        if result.kind != .ok, let said = Self.serverMessages(of: outcome) {
            entries[0].metadata["replication.server.messages"] = "\(said)"
        }
        for group in Self.grouped(outcome.refProblems) {
            var refMetadata = Self.metadata(of: task)
            refMetadata["replication.ref"] = "\(group[0].ref)"
            refMetadata["replication.ref.status"] = "\(group[0].status)"
            refMetadata["replication.ref.reason"] = "\(group[0].reason)"
            if group.count > 1 {
                refMetadata["replication.refs"] = "\(group.count)"
                refMetadata["replication.refs.first"] = "\(group.prefix(5).map(\.ref).joined(separator: " "))"
            }
            entries.append(.init(.warning, "Ref not replicated", refMetadata))
        }
        return entries
    }

    /// What the mirror's receive-pack wrote (`error: cannot lock ref …`, a hook's refusal): the
    /// reason behind a bare `failed to update ref`. Its last 2,000 characters: a chatty hook must
    /// not fill the log.
    private static func serverMessages(of outcome: PushOutcome) -> String? {
        let all = outcome.report?.serverMessages ?? ""
        let said = all.drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed()
        guard !said.isEmpty else { return nil }
        return said.count > 2000 ? "…" + String(said.suffix(2000)) : String(said)
    }

    /// Problems with the same status and reason together, in the order each first appears.
    private static func grouped(_ problems: [RefProblem]) -> [[RefProblem]] {
        problems.grouped { $0.status + "\u{0}" + $0.reason }
    }

    /// Whether `result` ends a push at a URL as the URL's last push ended: the same failure while
    /// it keeps failing, the same hold, the same refusals.
    static func isRepeat(_ result: PushAttemptResult, after previous: TargetHealth<Instant>?) -> Bool {
        guard let previous, let message = result.message else { return false }
        switch result {
        case .blocked: return previous.lastBlocked == message
        case .refsRejected: return previous.lastRefusal == message
        case .transientFailure, .permanentFailure, .updateRefFailed:
            return previous.consecutiveFailures > 0 && previous.lastFailure?.result == result
        case .succeeded, .sourceMissing: return false
        }
    }

    static func metadata(of task: Queue.Task) -> Logger.Metadata {
        [
            "replication.task": "\(task.id)",
            "replication.remote": "\(task.target.remote)",
            "replication.project": "\(task.target.project)",
            "replication.url": "\(task.target.url)",
            "replication.events": "\(task.events.count)",
        ]
    }
}
