import Foundation
import PropertyBased
import Testing

@testable import ReplicationCore

/// A push's report travels as JSON from a push worker and through the store to `start --wait`, its
/// updates as a line each (``UpdateLines``).
struct UpdateLinesTests {
    static let names = ["refs/heads/main", "refs/tags/v1", "refs/changes/01/1/1", "refs/heads/é/ü", "HEAD", "="]
    static let reasons: [String?] = [nil, "no longer visible to group X", "tab\there", "line\nbreak", "back\\slash\\t"]

    static func id(_ digit: Int) -> ObjectID { ObjectID(hex: String(repeating: "\(digit)", count: 40))! }

    static func update(action: Int, source: Int, destination: Int, old: Int, new: Int, forced: Bool, reason: Int)
        -> RefUpdate
    {
        let destinationName = Self.names[destination] == "=" ? "refs/heads/x" : Self.names[destination]
        return RefUpdate(
            action: [RefUpdate.Action.create, .update, .delete][action],
            source: source == 0 ? nil : source == 1 ? destinationName : Self.names[source % Self.names.count],
            destination: destinationName,
            oldID: old == 0 ? nil : Self.id(old),
            newID: new == 0 ? nil : Self.id(new),
            isForced: forced,
            reason: Self.reasons[reason]
        )
    }

    @Test func updatesComeBackAsTheyWent() async {
        let action = Gen.int(in: 0...2)
        let name = Gen.int(in: 0...(Self.names.count - 1))
        let id = Gen.int(in: 0...3)
        let updates = zip(action, name, name, id, id, Gen.bool, Gen.int(in: 0...(Self.reasons.count - 1)))
            .map { Self.update(action: $0, source: $1, destination: $2, old: $3, new: $4, forced: $5, reason: $6) }
            .array(of: 0...8)
        await propertyCheck(count: 300, input: updates) { updates in
            let plan = UpdatePlan(mode: .full, updates: updates, skipped: [], blocked: nil, upToDate: 3)
            let results = updates.enumerated().map {
                RefResult(update: $1, status: $0 % 2 == 0 ? .ok : .rejected, message: $0 % 3 == 0 ? "m\t\($0)" : nil)
            }
            let report = PushReport(plan: plan, results: results, bytesSent: 5)
            let decoded = try JSONDecoder().decode(PushReport.self, from: try JSONEncoder().encode(report))
            #expect(decoded.plan == plan)
            #expect(decoded.results == results)
        }
    }

    /// Outcomes an earlier release stored carry their updates inside the plan; `start --wait` still
    /// reads them.
    @Test func readsReportsWhoseUpdatesAreInThePlan() throws {
        let update = Self.update(action: 0, source: 1, destination: 0, old: 0, new: 1, forced: true, reason: 1)
        let plan = UpdatePlan(mode: .delta, updates: [update], skipped: [], blocked: nil, upToDate: 0)
        let planJSON = String(decoding: try JSONEncoder().encode(plan), as: UTF8.self)
        let earlier = """
            {"plan":\(planJSON),"statuses":"ok","messages":{},"serverMessages":"","bytesSent":0,"createdRepository":false}
            """
        let decoded = try JSONDecoder().decode(PushReport.self, from: Data(earlier.utf8))
        #expect(decoded.plan == plan)
        #expect(decoded.results == [RefResult(update: update, status: .ok)])
    }

    @Test func refusesALineThatIsNotAnUpdate() {
        #expect(UpdateLines.updates(in: "create\t0\trefs/heads/a\t=\t\tnot-an-id\t\n") == nil)
        #expect(UpdateLines.updates(in: "rename\t0\trefs/heads/a\t=\t\t\t\n") == nil)
        #expect(UpdateLines.updates(in: "create\t0\trefs/heads/a\n") == nil)
        #expect(UpdateLines.updates(in: "create\t0\trefs/heads/a\trefs/heads/b\t\t\t\n") == nil)
        #expect(UpdateLines.updates(in: "")?.isEmpty == true)
    }
}
