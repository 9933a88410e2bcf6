import ReplicationCore
import Testing

@testable import ReplicationCommands

/// The text `start` prints, line by line, for every kind of update and result.
struct PlanReportTextTests {
    static let old = ObjectID(hex: String(repeating: "1a", count: 20))!
    static let new = ObjectID(hex: String(repeating: "2b", count: 20))!

    static func update(
        _ action: RefUpdate.Action,
        _ ref: String,
        source: String? = nil,
        forced: Bool = true,
        reason: String? = nil
    ) -> RefUpdate {
        RefUpdate(
            action: action,
            source: action == .delete ? nil : source ?? ref,
            destination: ref,
            oldID: action == .create ? nil : Self.old,
            newID: action == .delete ? nil : Self.new,
            isForced: forced,
            reason: reason
        )
    }

    static func report(_ updates: [PlanReport.Update]) -> PlanReport {
        let plan = UpdatePlan(mode: .full, updates: updates.map(\.update), skipped: [], blocked: nil, upToDate: 3)
        return PlanReport(
            plans: [
                PlanReport.Plan(
                    project: "p",
                    remote: "mirror",
                    url: "/srv/p.git",
                    plan: plan,
                    updates: updates,
                    remoteMissing: false
                )
            ]
        )
    }

    @Test func aPlanHasALinePerUpdate() {
        let updates = [
            PlanReport.Update(update: Self.update(.create, "refs/heads/new"), fastForward: nil),
            PlanReport.Update(update: Self.update(.update, "refs/heads/main"), fastForward: true),
            PlanReport.Update(update: Self.update(.update, "refs/heads/rewritten"), fastForward: false),
            PlanReport.Update(update: Self.update(.update, "refs/heads/kept", forced: false), fastForward: false),
            PlanReport.Update(update: Self.update(.create, "refs/heads/b", source: "refs/heads/a"), fastForward: nil),
            PlanReport.Update(
                update: Self.update(.delete, "refs/tags/gone", reason: "no longer visible"),
                fastForward: nil
            ),
        ]
        let lines = Self.report(updates).humanText().split(separator: "\n", omittingEmptySubsequences: false)
        #expect(
            Array(lines.prefix(7)) == [
                "p → mirror /srv/p.git (full sync)",
                "  create        refs/heads/new  2b2b2b2",
                "  update        refs/heads/main  1a1a1a1..2b2b2b2",
                "  force-update  refs/heads/rewritten  1a1a1a1...2b2b2b2",
                "  update        refs/heads/kept  1a1a1a1...2b2b2b2  (not a fast-forward; the push would be rejected)",
                "  create        refs/heads/b  2b2b2b2 (from refs/heads/a)",
                "  delete        refs/tags/gone  1a1a1a1 (no longer visible)",
            ]
        )
    }

    @Test func aPushHasEachRefsResultFirst() {
        let updates = [
            PlanReport.Update(
                update: Self.update(.create, "refs/heads/new"),
                fastForward: nil,
                result: .init(status: .ok, message: nil)
            ),
            PlanReport.Update(
                update: Self.update(.update, "refs/heads/kept", source: "refs/heads/k", forced: false),
                fastForward: false,
                result: .init(status: .rejected, message: "non-fast-forward")
            ),
        ]
        let lines = Self.report(updates).humanText(pushed: true).split(separator: "\n")
        #expect(
            Array(lines[1...2]) == [
                "  ok        create        refs/heads/new  2b2b2b2",
                "  rejected  update        refs/heads/kept  1a1a1a1...2b2b2b2 (from refs/heads/k): non-fast-forward",
            ]
        )
    }

    /// Lines are written as bytes: a name or a message outside ASCII comes out as it went in.
    @Test func namesAndMessagesOutsideASCIIArePrintedAsTheyAre() {
        let updates = [
            PlanReport.Update(
                update: Self.update(.create, "refs/heads/café-ü/日本"),
                fastForward: nil,
                result: .init(status: .rejected, message: "refusé: « hook »")
            )
        ]
        let lines = Self.report(updates).humanText(pushed: true).split(separator: "\n")
        #expect(lines[1] == "  rejected  create        refs/heads/café-ü/日本  2b2b2b2: refusé: « hook »")
    }
}
