import PropertyBased
import ReplicationCore
import Testing

/// How a push over a size cap is cut: the order refs go in, halves that keep changes whole, and
/// the search for the furthest step that fits.
struct PushStepsTests {
    static func update(_ destination: String, delete: Bool = false) -> RefUpdate {
        let id = ObjectID(hex: String(repeating: "a", count: 40))
        return delete
            ? .deletion(of: destination, at: id!, isForced: true)
            : RefUpdate(
                action: .create,
                source: destination,
                destination: destination,
                oldID: nil,
                newID: id,
                isForced: true
            )
    }

    @Test func branchesGoFirstThenOtherRefsThenTagsThenDeletions() {
        let updates = [
            Self.update("refs/tags/v1"), Self.update("refs/heads/old", delete: true),
            Self.update("refs/changes/01/1/1"),
            Self.update("refs/heads/main"), Self.update("refs/tags/v0"), Self.update("refs/heads/dev"),
        ]
        #expect(
            PushSteps.ordered(updates).map(\.destination) == [
                "refs/heads/main", "refs/heads/dev", "refs/changes/01/1/1", "refs/tags/v1", "refs/tags/v0",
                "refs/heads/old",
            ]
        )
    }

    @Test func halvesNeverDivideAChange() throws {
        let updates = [
            Self.update("refs/heads/main"), Self.update("refs/changes/01/1/1"), Self.update("refs/changes/01/1/meta"),
        ]
        let (front, back) = try #require(PushSteps.halves(updates))
        #expect(front.map(\.destination) == ["refs/heads/main"])
        #expect(back.map(\.destination) == ["refs/changes/01/1/1", "refs/changes/01/1/meta"])
        #expect(PushSteps.halves(Array(back)) == nil, "one change is not halved")
        #expect(PushSteps.halves([Self.update("refs/heads/main")]) == nil)
    }

    /// For any point where fitting stops and any guess, the search finds the last position that
    /// fits (a linear scan's answer), and asks about few positions.
    @Test func theFurthestStepIsTheLastThatFits() async {
        await propertyCheck(count: 500, input: Gen.int(in: 1...2_000), Gen.int(in: 0...2_100), Gen.int(in: 0...2_100)) {
            count,
            limit,
            guess in
            let start = min(limit / 3, count - 1)
            var asked = 0
            let found = PushSteps.furthest(from: start, before: count, guess: guess) { (index: Int) -> Bool in
                asked += 1
                return index <= limit
            }
            let expected = limit >= start ? min(limit, count - 1) : nil
            #expect(found == expected, "count \(count), limit \(limit), start \(start), guess \(guess)")
            #expect(asked <= 4 * (count.bitWidth - count.leadingZeroBitCount) + 2, "asked \(asked) times")
        }
    }

    @Test func aGoodGuessIsConfirmedInTwoQuestions() {
        var asked: [Int] = []
        let found = PushSteps.furthest(from: 10, before: 1_000, guess: 40) { (index: Int) -> Bool in
            asked.append(index)
            return index <= 40
        }
        #expect(found == 40)
        #expect(asked == [40, 41])
    }

    @Test func theGuessSpreadsTheBudgetOverTheRemainingCommits() {
        #expect(PushSteps.guess(from: 0, remaining: 100, total: 100 << 20, budget: 20 << 20) == 19)
        #expect(PushSteps.guess(from: 50, remaining: 10, total: 1 << 20, budget: 20 << 20) == 249)
        #expect(PushSteps.guess(from: 5, remaining: 0, total: 0, budget: 1) == 5)
    }

    @Test func theBudgetLeavesRoomUnderTheCap() {
        #expect(PushSteps.budget(forCap: 20 << 20) < 20 << 20)
        #expect(PushSteps.budget(forCap: 20 << 20) > 16 << 20)
    }
}
