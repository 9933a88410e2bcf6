import Foundation
import ReplicationCore
import Testing

/// Retry classes follow from typed codes, and log lines from typed skip kinds: rewording a
/// message changes nothing that is decided.
struct FailureCodeTests {
    @Test(arguments: FailureCode.allCases)
    func theRetryClassFollowsFromTheCode(code: FailureCode) {
        let permanent: Set<FailureCode> = [
            .authentication, .hostKey, .repositoryNotFound, .invalid, .sourceMissing, .targetRefused,
        ]
        #expect(code.failureClass == (permanent.contains(code) ? .permanent : .transient))
        let result = PushOutcome(error: .init(code: code, message: "any words at all")).attemptResult
        switch code {
        case .sourceMissing: #expect(result.kind == .sourceMissing)
        case .deletionRefused: #expect(result.kind == .rejected)
        default:
            #expect(result.kind == (permanent.contains(code) ? .permanent : .transient))
            #expect(result.code == code)
        }
    }

    /// The store and the push worker's output carry the raw values; a code a newer version wrote
    /// reads as `other`, not as an error that loses the outcome.
    @Test func codesTravelAsTheirRawValuesAndUnknownOnesReadAsOther() throws {
        let encoded = try JSONEncoder().encode(PushOutcome.Failure(code: .hostKey, message: "m"))
        #expect(String(decoding: encoded, as: UTF8.self).contains(#""code":"hostKey""#))
        let newer = Data(#"{"code": "quotaExceeded", "message": "m"}"#.utf8)
        #expect(try JSONDecoder().decode(PushOutcome.Failure.self, from: newer).code == .other)
    }

    @Test func refProblemsComeFromSkipKindsNotFromTheirWords() throws {
        let plan = UpdatePlan(
            mode: .full,
            updates: [],
            skipped: [
                SkippedRef(ref: "refs/heads/a", reason: "reworded entirely", kind: .unprovenDeletion),
                SkippedRef(ref: "refs/heads/b", reason: "also reworded", kind: .noLongerVisible),
                SkippedRef(ref: "refs/heads/c", reason: "not deleted: the mirror has 1234", kind: .rule),
            ],
            blocked: nil,
            upToDate: 0
        )
        let problems = PushOutcome(report: PushReport(plan: plan, results: [])).refProblems
        #expect(problems.map(\.ref) == ["refs/heads/a", "refs/heads/b"])
        #expect(problems.map(\.status) == ["not-deleted", "no-longer-visible"])
        // Outcomes stored before kinds existed still read (as rules).
        let old = Data(#"{"ref": "refs/heads/x", "reason": "r"}"#.utf8)
        #expect(try JSONDecoder().decode(SkippedRef.self, from: old).kind == .rule)
    }

    @Test func thePlannerMarksAnUnprovenDeletion() throws {
        let remote = try #require(
            ReplicationConfiguration.parse(
                "[remote \"m\"]\n  url = /m/${name}.git\n  push = +refs/heads/*:refs/heads/*\n  replicateDeletions = true\n"
            ).remotes.first
        )
        let mirrorValue = ObjectID(hex: String(repeating: "a", count: 40))!
        let plan = UpdatePlanner(remote: remote).planDelta(
            refs: ["refs/heads/gone"],
            local: [:],
            remote: ["refs/heads/gone": mirrorValue],
            knownValues: ["refs/heads/gone": [String(repeating: "b", count: 40)]]
        )
        #expect(plan.updates.isEmpty)
        #expect(plan.skipped.map(\.kind) == [.unprovenDeletion], "\(plan.skipped)")
    }
}
