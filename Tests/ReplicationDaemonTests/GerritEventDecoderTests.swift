import Foundation
import ReplicationCore
import ReplicationDaemon
import ReplicationTestSupport
import Testing

@Suite(.offThePool)
struct GerritEventDecoderTests {
    let decoder = GerritEventDecoder()

    @Test func refUpdatedWithFullAndShortRefNames() throws {
        let body = """
            {"type":"ref-updated","refUpdate":{"oldRev":"\(Self.old)","newRev":"\(Self.zero)","refName":"refs/tags/v1","project":"a/b"}}
            {"type":"ref-updated","refUpdate":{"refName":"master","project":"a/b"}}
            {"type":"patchset-created","change":{}}
            """
        let decoded = try self.decoder.decode(Data(body.utf8))
        #expect(decoded.events.map(\.refs) == [["refs/tags/v1"], ["refs/heads/master"]])
        #expect(decoded.events.map(\.refValues) == [["refs/tags/v1": [Self.old]], nil], "zeros are no value")
        #expect(decoded.ignored == 1)
    }

    static let old = String(repeating: "ab", count: 20)
    static let zero = String(repeating: "0", count: 40)

    @Test(arguments: ["0", "xyz", "12345"])
    func revisionsThatAreNoObjectIdsAreRefused(value: String) {
        let body = #"{"type":"ref-updated","refUpdate":{"oldRev":"\#(value)","refName":"refs/heads/a","project":"p"}}"#
        #expect(throws: EventIntakeError.self) { try self.decoder.decode(Data(body.utf8)) }
    }

    @Test func arraysAndOtherKinds() throws {
        let body = """
            [{"type":"project-head-updated","projectName":"p","oldHead":"refs/heads/a","newHead":"refs/heads/b"},
             {"type":"project-deleted","projectName":"p"}]
            """
        let decoded = try self.decoder.decode(Data(body.utf8))
        #expect(decoded.events.map(\.kind) == [.headUpdated, .projectDeleted])
    }

    /// Types Replicator does not know (Gerrit's `draft-published` and `merge-failed`, pull-replication's
    /// `fetch-ref-replicated`, a site plugin's) are ignored, never a reason to lose the body's
    /// ref-updated events: a real Qt stream lost 5 of them to one `draft-published`.
    @Test func unknownTypesAreIgnoredAndTheRestIsDecoded() throws {
        let body = """
            {"type":"draft-published","change":{"project":"qt/qtbase"}}
            {"type":"ref-updated","refUpdate":{"refName":"refs/heads/dev","project":"qt/qtbase"}}
            {"type":"merge-failed","change":{}}
            {"type":"fetch-ref-replicated","project":"qt/qtbase","ref":"refs/heads/dev"}
            {"type":"change-deferred"}
            {"type":"ref-updated","refUpdate":{"refName":"refs/heads/5.15","project":"qt/qtbase"}}
            """
        let decoded = try self.decoder.decode(Data(body.utf8))
        #expect(decoded.events.map(\.refs) == [["refs/heads/dev"], ["refs/heads/5.15"]])
        #expect(decoded.ignored == 4)
    }

    @Test(arguments: [
        ("{not json", EventIntakeError.Code.malformed),
        ("{\"refUpdate\":{}}", .malformed),
        ("{\"type\":\"ref-updated\",\"refUpdate\":{\"refName\":\"main\",\"project\":\"../etc\"}}", .invalidProject),
        ("{\"type\":\"ref-updated\",\"refUpdate\":{\"refName\":\"main\",\"project\":\"/abs\"}}", .invalidProject),
        ("{\"type\":\"ref-updated\",\"refUpdate\":{\"refName\":\"refs/heads/a..b\",\"project\":\"p\"}}", .invalidRef),
        ("[1]", .malformed),
        ("", .malformed),
    ])
    func refusals(body: String, code: EventIntakeError.Code) {
        #expect {
            try self.decoder.decode(Data(body.utf8))
        } throws: { error in
            (error as? EventIntakeError)?.code == code
        }
    }

    /// Gerrit 3.8+ (`event.stream-events.enableBatchRefUpdatedEvents`): refs updated together are one
    /// event per project, planned and pushed as one unit.
    @Test func batchRefUpdatedIsOneEventPerProject() throws {
        let body = """
            {"type":"batch-ref-updated","refUpdates":[
              {"oldRev":"\(Self.zero)","newRev":"\(Self.old)","refName":"refs/changes/01/1/1","project":"p"},
              {"newRev":"\(Self.old)","refName":"refs/changes/01/1/meta","project":"p"},
              {"refName":"master","project":"q"}],"eventCreatedOn":1700000000}
            """
        let decoded = try self.decoder.decode(Data(body.utf8))
        #expect(decoded.events.map(\.project) == ["p", "q"])
        #expect(
            decoded.events.map(\.refs) == [["refs/changes/01/1/1", "refs/changes/01/1/meta"], ["refs/heads/master"]]
        )
        #expect(
            decoded.events[0].refValues == ["refs/changes/01/1/1": [Self.old], "refs/changes/01/1/meta": [Self.old]]
        )
        #expect(decoded.events[1].refValues == nil)
        #expect(decoded.ignored == 0)
    }

    @Test(arguments: [
        (#"{"type":"batch-ref-updated"}"#, EventIntakeError.Code.malformed),
        (#"{"type":"batch-ref-updated","refUpdates":[1]}"#, .malformed),
        (#"{"type":"batch-ref-updated","refUpdates":[{"refName":"main","project":"-x/.git"}]}"#, .invalidProject),
        (#"{"type":"batch-ref-updated","refUpdates":[{"refName":"a..b","project":"p"}]}"#, .invalidRef),
    ])
    func batchRefusals(body: String, code: EventIntakeError.Code) {
        #expect {
            try self.decoder.decode(Data(body.utf8))
        } throws: { error in
            (error as? EventIntakeError)?.code == code
        }
    }

    @Test func oneBadEventRefusesTheWholeBody() {
        let body = """
            {"type":"ref-updated","refUpdate":{"refName":"main","project":"p"}}
            {"type":"ref-updated","refUpdate":{"refName":"main"}}
            """
        #expect(throws: EventIntakeError.self) { try self.decoder.decode(Data(body.utf8)) }
    }
}

extension GerritEventDecoderTests {
    static let refNames = [
        "refs/heads/main", "refs/heads/.hidden", "refs/heads/a.lock/b", "refs/heads/a.lock", "refs/heads/a..b",
        "refs/heads/a/", "refs/heads/a.", "refs/heads//a", "refs/heads/a@{1}", "refs/heads/@", "refs/heads/a@b",
        "refs/heads/a b", "refs/heads/a~1", "refs/heads/a^", "refs/heads/a:b", "refs/heads/a?", "refs/heads/a*",
        "refs/heads/a[b", "refs/heads/a\\b", "refs/heads/a\u{7F}", "refs/tags/v1.0", "refs/changes/01/1/meta",
        "refs/heads/.lock", "refs/heads/x.lockx", "refs/heads/ünï", "refs/heads/-dash", "refs/heads/a/.b/c",
        "refs/heads/a./b",
    ]

    /// Ref names are judged by git's own rules: every name here gets the verdict `git
    /// check-ref-format` gives it (`refs/heads/.hidden` and `refs/heads/a.lock/b` were accepted).
    @Test(arguments: Self.refNames)
    func refNamesFollowGitsRules(name: String) throws {
        let git = try Command.run("git", ["check-ref-format", name])
        let body = try JSONSerialization.data(withJSONObject: [
            "type": "ref-updated", "refUpdate": ["refName": name, "project": "p"],
        ])
        if git.status == 0 {
            #expect(try self.decoder.decode(body).events.first?.refs == [name])
        } else {
            #expect {
                try self.decoder.decode(body)
            } throws: { error in
                (error as? EventIntakeError)?.code == .invalidRef
            }
        }
    }
}
