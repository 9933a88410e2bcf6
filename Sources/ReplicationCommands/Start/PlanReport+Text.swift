import ReplicationCore

extension PlanReport {
    /// Grouped by project and URL, one line per update, then counts, skipped refs and blocked plans.
    func humanText(pushed: Bool = false) -> String {
        var lines: [String] = []
        for plan in self.plans {
            let missing =
                plan.remoteMissing
                ? (pushed ? ", repository created" : ", repository missing: it would be created") : ""
            lines.append("\(plan.project) → \(plan.remote) \(plan.url) (\(plan.plan.mode.rawValue) sync\(missing))")
            lines += plan.updates.map { "  " + Self.line(for: $0) }
            lines += plan.plan.skipped.map { "  skipped       \($0.ref): \($0.reason)" }
            if let blocked = plan.plan.blocked { lines.append("  BLOCKED: \(blocked)") }
            lines.append("  " + Self.counts(plan))
            lines.append("")
        }
        if !self.errors.isEmpty {
            lines.append("Errors:")
            lines += self.errors.map { failure in
                let place = [failure.remote, failure.url].compactMap(\.self).joined(separator: " ")
                let kind = failure.code.map { " (\($0), \(failure.errorClass?.rawValue ?? ""))" } ?? ""
                return "  \(failure.project)\(place.isEmpty ? "" : " → \(place)"): \(failure.message)\(kind)"
            }
            lines.append("")
        }
        lines.append(pushed ? self.pushSummary : self.summary)
        return lines.joined(separator: "\n") + "\n"
    }

    private static func line(for update: Update) -> String {
        let verb = update.verb.padding(toLength: 13)
        let ids: String
        switch update.update.action {
        case .create: ids = update.update.newID?.abbreviated() ?? ""
        case .delete: ids = update.update.oldID?.abbreviated() ?? ""
        case .update:
            let separator = update.fastForward == true ? ".." : "..."
            ids = "\(update.update.oldID?.abbreviated() ?? "")\(separator)\(update.update.newID?.abbreviated() ?? "")"
        }
        let source =
            update.update.source.flatMap { $0 == update.update.destination ? nil : " (from \($0))" }
            ?? update.update.reason.map { " (\($0))" } ?? ""
        if let result = update.result {
            let status = result.status.rawValue.padding(toLength: 10)
            return
                "\(status)\(verb) \(update.update.destination)  \(ids)\(source)\(result.message.map { ": \($0)" } ?? "")"
        }
        let warning =
            update.update.action == .update && !update.update.isForced && update.fastForward == false
            ? "  (not a fast-forward; the push would be rejected)" : ""
        return "\(verb) \(update.update.destination)  \(ids)\(source)\(warning)"
    }

    private static func counts(_ plan: Plan) -> String {
        let updates = plan.plan.updates
        let creates = updates.count { $0.action == .create }
        let changes = updates.count { $0.action == .update }
        let deletes = updates.count { $0.action == .delete }
        return "\(creates) to create, \(changes) to update, \(deletes) to delete, \(plan.plan.upToDate) up to date, "
            + "\(plan.plan.skipped.count) skipped"
    }

    private var summary: String {
        let updates = self.plans.flatMap(\.plan.updates)
        let blocked = self.plans.count { $0.plan.blocked != nil }
        return "Dry run: \(Self.count(self.plans.count, "plan")), \(Self.count(updates.count, "update")) "
            + "(\(updates.count { $0.action == .create }) create, \(updates.count { $0.action == .update }) update, "
            + "\(updates.count { $0.action == .delete }) delete), \(self.plans.reduce(0) { $0 + $1.plan.skipped.count }) skipped, "
            + "\(blocked) blocked, \(Self.count(self.errors.count, "error")). Nothing was pushed."
    }

    private var pushSummary: String {
        let results = self.plans.flatMap { $0.updates.compactMap(\.result) }
        let ok = results.count { $0.status == .ok }
        let rejected = results.count { $0.status == .rejected }
        let failed = results.count { $0.status == .failed }
        return
            "Pushed: \(Self.count(self.plans.count, "plan")), \(ok) refs ok, \(rejected) rejected, \(failed) failed, "
            + "\(self.plans.reduce(0) { $0 + $1.plan.upToDate }) up to date, \(Self.count(self.errors.count, "error"))."
    }

    /// Whether every ref of every plan reached the remote (or already was there).
    var isCompleteSuccess: Bool {
        self.errors.isEmpty
            && self.plans.allSatisfy {
                $0.updates.allSatisfy { $0.result?.status == .ok || $0.result?.status == .upToDate }
            }
    }

    private static func count(_ number: Int, _ noun: String) -> String {
        "\(number) \(noun)\(number == 1 ? "" : "s")"
    }
}

extension String {
    fileprivate func padding(toLength length: Int) -> String {
        self.count >= length ? self : self + String(repeating: " ", count: length - self.count)
    }
}
