import ReplicationCore

extension PlanReport {
    /// Grouped by project and URL, one line per update, then counts, skipped refs and blocked plans.
    func humanText(pushed: Bool = false) -> String {
        // One text, a line at a time: a list of 100,000 lines joined at the end held the report twice.
        var text = ""
        func add(_ line: String) {
            text += line
            text += "\n"
        }
        for plan in self.plans {
            let missing =
                plan.remoteMissing
                ? (pushed ? ", repository created" : ", repository missing: it would be created") : ""
            add("\(plan.project) → \(plan.remote) \(plan.url) (\(plan.plan.mode.rawValue) sync\(missing))")
            text += Self.lines(of: plan.updates)
            for skipped in plan.plan.skipped { add("  skipped       \(skipped.ref): \(skipped.reason)") }
            if let blocked = plan.plan.blocked { add("  BLOCKED: \(blocked)") }
            add("  " + Self.counts(plan))
            add("")
        }
        if !self.errors.isEmpty {
            add("Errors:")
            for failure in self.errors {
                let place = [failure.remote, failure.url].compactMap(\.self).joined(separator: " ")
                let kind = failure.code.map { " (\($0), \(failure.errorClass?.rawValue ?? ""))" } ?? ""
                add("  \(failure.project)\(place.isEmpty ? "" : " → \(place)"): \(failure.message)\(kind)")
            }
            add("")
        }
        add(pushed ? self.pushSummary : self.summary)
        return text
    }

    /// The updates' lines, written as bytes: a `String` appended piece by piece took 0.15 s for
    /// 100,000 refs (its counts and flags updated at every append).
    private static func lines(of updates: [Update]) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(updates.count * 80)
        for update in updates { Self.write(update, into: &bytes) }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func write(_ update: Update, into bytes: inout [UInt8]) {
        let planned = update.update
        bytes.append(contentsOf: "  ".utf8)
        if let result = update.result { Self.pad(result.status.rawValue, to: 10, into: &bytes) }
        Self.pad(update.verb, to: 13, into: &bytes)
        bytes.append(UInt8(ascii: " "))
        bytes.append(contentsOf: planned.destination.utf8)
        bytes.append(contentsOf: "  ".utf8)
        switch planned.action {
        case .create: Self.abbreviate(planned.newID, into: &bytes)
        case .delete: Self.abbreviate(planned.oldID, into: &bytes)
        case .update:
            Self.abbreviate(planned.oldID, into: &bytes)
            bytes.append(contentsOf: (update.fastForward == true ? ".." : "...").utf8)
            Self.abbreviate(planned.newID, into: &bytes)
        }
        if let source = planned.source, source != planned.destination {
            bytes.append(contentsOf: " (from ".utf8)
            bytes.append(contentsOf: source.utf8)
            bytes.append(UInt8(ascii: ")"))
        } else if let reason = planned.reason {
            bytes.append(contentsOf: " (".utf8)
            bytes.append(contentsOf: reason.utf8)
            bytes.append(UInt8(ascii: ")"))
        }
        if let result = update.result {
            if let message = result.message {
                bytes.append(contentsOf: ": ".utf8)
                bytes.append(contentsOf: message.utf8)
            }
        } else if planned.action == .update, !planned.isForced, update.fastForward == false {
            bytes.append(contentsOf: "  (not a fast-forward; the push would be rejected)".utf8)
        }
        bytes.append(UInt8(ascii: "\n"))
    }

    /// `word` (a status or a verb: ASCII), then spaces up to `length`.
    private static func pad(_ word: String, to length: Int, into bytes: inout [UInt8]) {
        bytes.append(contentsOf: word.utf8)
        let count = word.utf8.count
        if count < length { bytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: length - count)) }
    }

    /// The first 7 hex digits, as `git` abbreviates ids.
    private static func abbreviate(_ id: ObjectID?, into bytes: inout [UInt8]) {
        guard let id else { return }
        id.withHex { bytes.append(contentsOf: $0.prefix(7)) }
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
        // Counted in place, not from one list of every plan's updates (a copy of them all).
        var actions: [RefUpdate.Action: Int] = [:]
        for plan in self.plans {
            for update in plan.plan.updates { actions[update.action, default: 0] += 1 }
        }
        let total = actions.values.reduce(0, +)
        let blocked = self.plans.count { $0.plan.blocked != nil }
        return "Dry run: \(Self.count(self.plans.count, "plan")), \(Self.count(total, "update")) "
            + "(\(actions[.create] ?? 0) create, \(actions[.update] ?? 0) update, "
            + "\(actions[.delete] ?? 0) delete), \(self.plans.reduce(0) { $0 + $1.plan.skipped.count }) skipped, "
            + "\(blocked) blocked, \(Self.count(self.errors.count, "error")). Nothing was pushed."
    }

    private var pushSummary: String {
        // Counted in place: the results gathered in one list took 30 MB for 100,000 refs.
        var statuses: [RefResult.Status: Int] = [:]
        for plan in self.plans {
            for case let result? in plan.updates.lazy.map(\.result) { statuses[result.status, default: 0] += 1 }
        }
        let (ok, rejected, failed) = (statuses[.ok] ?? 0, statuses[.rejected] ?? 0, statuses[.failed] ?? 0)
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
