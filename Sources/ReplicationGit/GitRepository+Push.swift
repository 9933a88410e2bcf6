internal import CLibgit2
package import ReplicationCore

/// Signs of life from a running push.
package enum PushProgress: Sendable {
    case connected
    case planned(updates: Int)
    case sent(bytes: Int)
}

extension RefUpdate {
    /// What is sent: always `+src:dst`, because libgit2 1.5 aborts the whole push when one
    /// non-forced refspec is not a fast-forward; non-forced updates are checked per ref before.
    var wireRefSpec: String {
        guard let source = self.source else { return ":\(self.destination)" }
        return "+\(source):\(self.destination)"
    }
}

extension GitRepository {
    /// Pushes to `url` as Gerrit's `PushOne` does, minus its pitfalls: connect once, list the remote's
    /// refs, plan with `makePlan` (the same planner the dry-run uses), upload only the planned updates
    /// as explicit refspecs (reconnecting between `batchSize` batches), and report every ref.
    /// Throws only when nothing was sent (connect, authentication, host key, listing).
    package func push(
        to url: RemoteURL,
        access: SSHAccess,
        batchSize: Int = 0,
        progress: ((PushProgress) -> Void)? = nil,
        plan makePlan: (RefTable) -> UpdatePlan
    ) throws(GitError) -> PushReport {
        let connection = try RemoteConnection(repository: self, url: url, access: access)
        connection.session.onProgress = progress
        try connection.connectForPush()
        progress?(.connected)
        let plan = makePlan(try connection.advertisedRefs())
        progress?(.planned(updates: plan.updates.count))
        if let blocked = plan.blocked {
            return PushReport(
                plan: plan,
                results: plan.updates.map { RefResult(update: $0, status: .failed, message: blocked) }
            )
        }
        var results = [RefUpdate: RefResult]()
        var sendable: [RefUpdate] = []
        for update in plan.updates {
            if let refusal = self.nonFastForwardRefusal(update) {
                results[update] = RefResult(update: update, status: .rejected, message: refusal)
            } else {
                sendable.append(update)
            }
        }
        var report = PushReport(plan: plan, results: [])
        let batches = UpdatePlan(mode: plan.mode, updates: sendable, skipped: [], blocked: nil, upToDate: 0).batches(
            size: batchSize
        )
        for (index, batch) in batches.enumerated() {
            do {
                // libgit2 1.5 allows one upload per connection.
                let current = index == 0 ? connection : try RemoteConnection(repository: self, url: url, access: access)
                current.session.onProgress = progress
                if index > 0 { try current.connectForPush() }
                try current.upload(batch.map(\.wireRefSpec))
                for update in batch { results[update] = Self.result(of: update, in: current.session) }
                report.serverMessages += current.session.serverMessages
                report.bytesSent += current.session.bytesSent
            } catch {
                report.failure = error.message
                for update in batch {
                    results[update] = RefResult(update: update, status: .failed, message: error.message)
                }
            }
        }
        report.results = plan.updates.compactMap { results[$0] }
        return StaleRefLocks.clear(after: report, at: url)
    }

    /// A non-forced refspec must not rewrite history: refuse that ref alone, as `git push` does
    /// (both push engines ask it before sending).
    func nonFastForwardRefusal(_ update: RefUpdate) -> String? {
        guard update.action == .update, !update.isForced, let old = update.oldID, let new = update.newID else {
            return nil
        }
        switch self.isFastForward(from: old, to: new) {
        case true: return nil
        case false: return "non-fast-forward"
        case nil: return "non-fast-forward (the remote has commits the source repository does not have)"
        }
    }

    /// libgit2 reports an accepted ref as `""`, the server's ok; then the mapping both engines share.
    private static func result(of update: RefUpdate, in session: RemoteSession) -> RefResult {
        let said: String?? = session.referenceStatuses[update.destination].map { $0.isEmpty ? nil : $0 }
        return RefResult.reported(for: update, said: said, serverMessages: session.serverMessages).result
    }
}
