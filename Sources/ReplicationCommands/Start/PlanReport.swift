import ReplicationCore

/// What `start --dry-run` found: a plan per project × remote × URL, and every failure. Encodes
/// exactly the documented JSON shape (absent values are `null`, not missing).
struct PlanReport: Encodable {
    struct Update: Encodable {
        var update: RefUpdate
        /// `nil` when the old commit is not in the source repository, so nobody can tell.
        var fastForward: Bool?
        /// After a push: what happened to this ref.
        var result: Result?

        /// A ref's result without its update again (which ``update`` holds): a report of 100,000
        /// refs held every update twice.
        struct Result {
            var status: RefResult.Status
            var message: String?
        }

        private enum Keys: String, CodingKey {
            case action, source, destination, oldId, newId, force, fastForward, reason, status, message
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(self.update.action.rawValue, forKey: .action)
            try container.encode(self.update.source, forKey: .source)
            try container.encode(self.update.destination, forKey: .destination)
            try container.encode(self.update.oldID?.hex, forKey: .oldId)
            try container.encode(self.update.newID?.hex, forKey: .newId)
            try container.encode(self.update.isForced, forKey: .force)
            try container.encode(self.fastForward, forKey: .fastForward)
            try container.encode(self.update.reason, forKey: .reason)
            if let result = self.result {
                try container.encode(result.status.rawValue, forKey: .status)
                try container.encode(result.message, forKey: .message)
            }
        }

        /// `create`, `update`, `force-update` (a forced non-fast-forward) or `delete`.
        var verb: String {
            guard self.update.action == .update, self.fastForward != true else { return self.update.action.rawValue }
            return self.update.isForced ? "force-update" : "update"
        }
    }

    struct Plan: Encodable {
        var project: String
        var remote: String
        var url: String
        var plan: UpdatePlan
        var updates: [Update]
        /// The remote repository does not exist yet and would be (or, after a push, was) created.
        var remoteMissing: Bool
        /// After a push: what the server printed (hooks, receive-pack).
        var serverMessages: String?
        /// After a push: the ref the mirror's HEAD was moved to.
        var updatedHead: String?

        private enum Keys: String, CodingKey {
            case project, remote, url, mode, updates, skipped, blocked, upToDate, remoteMissing, serverMessages,
                updatedHead
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(self.project, forKey: .project)
            try container.encode(self.remote, forKey: .remote)
            try container.encode(self.url, forKey: .url)
            try container.encode(self.plan.mode.rawValue, forKey: .mode)
            try container.encode(self.updates, forKey: .updates)
            try container.encode(self.plan.skipped.map { ["ref": $0.ref, "reason": $0.reason] }, forKey: .skipped)
            try container.encode(self.plan.blocked, forKey: .blocked)
            try container.encode(self.plan.upToDate, forKey: .upToDate)
            try container.encode(self.remoteMissing, forKey: .remoteMissing)
            if let serverMessages = self.serverMessages {
                try container.encode(serverMessages, forKey: .serverMessages)
                try container.encode(self.updatedHead, forKey: .updatedHead)
            }
        }
    }

    struct Failure: Encodable {
        var project: String
        var remote: String?
        var url: String?
        var message: String
        /// After a push: the failure's code (`network`, `authentication`, …) and its class.
        var code: FailureCode? = nil

        private enum Keys: String, CodingKey { case project, remote, url, message, code, `class` }

        /// `transient` failures are retried by the daemon; `permanent` ones need a person.
        var errorClass: FailureClass? {
            self.code?.failureClass
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(self.project, forKey: .project)
            try container.encode(self.remote, forKey: .remote)
            try container.encode(self.url, forKey: .url)
            try container.encode(self.message, forKey: .message)
            if let code = self.code {
                try container.encode(code, forKey: .code)
                try container.encode(self.errorClass, forKey: .class)
            }
        }
    }

    var plans: [Plan] = []
    var errors: [Failure] = []
}
