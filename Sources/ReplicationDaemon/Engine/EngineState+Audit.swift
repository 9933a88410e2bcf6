import Logging
import ReplicationCore

extension EngineState {
    /// The replication log's lines for a finished push: one for the push, one per ref not taken.
    static func audit(_ task: Queue.Task, _ outcome: PushOutcome, result: PushAttemptResult, duration: Duration)
        -> [EngineLogEntry]
    {
        var metadata = Self.metadata(of: task)
        metadata["replication.result"] = "\(result.kind.rawValue)"
        metadata["replication.duration"] = "\(duration)"
        metadata["replication.bytes"] = "\(outcome.bytesSent)"
        metadata["replication.retries"] = "\(task.retries)"
        for (status, count) in outcome.refOutcomes.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            metadata["replication.refs.\(status.rawValue)"] = "\(count)"
        }
        for (key, value) in outcome.notes { metadata["replication.\(key)"] = "\(value)" }
        var entries: [EngineLogEntry] = []
        switch result {
        case .succeeded, .refsRejected:
            if let message = result.message { metadata["replication.rejected"] = "\(message)" }
            entries.append(.init(.info, "Replication finished", metadata))
        default:
            metadata["replication.error"] = "\(result.message ?? "")"
            metadata["replication.error.class"] = "\(result.kind.rawValue)"
            if let code = result.code { metadata["replication.error.code"] = "\(code)" }
            entries.append(.init(.warning, "Replication failed", metadata))
        }
        for problem in outcome.refProblems {
            var refMetadata = Self.metadata(of: task)
            refMetadata["replication.ref"] = "\(problem.ref)"
            refMetadata["replication.ref.status"] = "\(problem.status)"
            refMetadata["replication.ref.reason"] = "\(problem.reason)"
            entries.append(.init(.warning, "Ref not replicated", refMetadata))
        }
        return entries
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
