import Foundation
import ReplicationCore
import ReplicationDaemon

extension PlanReport {
    /// The report `start --wait` prints, from the first attempt's outcome at every target.
    mutating func add(_ target: PushTarget, output: PushOutcome) {
        if let pushed = output.report {
            self.plans.append(Plan(target: target, pushed: pushed))
        } else if let error = output.error {
            self.errors.append(
                .init(
                    project: target.project,
                    remote: target.remote,
                    url: target.url,
                    message: error.message,
                    code: error.code
                )
            )
        }
    }
}

extension PlanReport.Plan {
    init(target: PushTarget, pushed: PushReport) {
        // Results follow plan.updates one to one (PushReport's invariant): pair them by position.
        self.init(
            project: target.project,
            remote: target.remote,
            url: target.url,
            plan: pushed.plan,
            updates: pushed.results.map {
                PlanReport.Update(
                    update: $0.update,
                    fastForward: nil,
                    result: .init(status: $0.status, message: $0.message)
                )
            },
            remoteMissing: pushed.createdRepository,
            serverMessages: pushed.serverMessages,
            updatedHead: pushed.updatedHead
        )
    }
}
