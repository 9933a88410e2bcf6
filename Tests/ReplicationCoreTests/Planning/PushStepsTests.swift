import PropertyBased
import ReplicationCore
import Testing

/// How a push over a size cap is cut: the order refs go in, halves that keep changes whole, and
/// the search for a step that fits.
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

    /// For any sizes that grow along the line (even steps, tiny ones, a huge commit), any start and
    /// any guess: the step fits, and it is the last position, or big enough, or the furthest that
    /// fits; `nil` exactly when the first position alone is too big. Few sizings each time.
    @Test func aStepFitsAndIsBigEnoughOrTheFurthest() async {
        let increments = Gen.int(in: 0...100).map { $0 < 80 ? $0 * 1_000 : $0 < 95 ? 10 : 400_000 }
        await propertyCheck(
            count: 500,
            input: increments.array(of: 1...3_000),
            Gen.int(in: 0...3_000),
            Gen.int(in: 1_000...900_000)
        ) { steps, guess, budget in
            var sizes: [Int] = []
            var total = 0
            for increment in steps {
                total += increment + 1
                sizes.append(total)
            }
            let start = min(guess / 7, steps.count - 1)
            let enough = budget * 3 / 4
            var asked = 0
            let found = PushSteps.step(from: start, before: sizes.count, budget: budget, enough: enough, guess: guess) {
                (index: Int) -> Int in
                asked += 1
                return sizes[index] - (start > 0 ? sizes[start - 1] : 0)
            }
            let size = { (index: Int) in sizes[index] - (start > 0 ? sizes[start - 1] : 0) }
            #expect(asked <= 6 + 2 * (sizes.count.bitWidth - sizes.count.leadingZeroBitCount), "asked \(asked)")
            guard let found else {
                #expect(size(start) > budget)
                return
            }
            #expect(found >= start && size(found) <= budget)
            #expect(found == sizes.count - 1 || size(found) >= enough || size(found + 1) > budget)
        }
    }

    /// A history whose commits weigh about the same: the guess lands, and is confirmed at once.
    @Test func anEvenHistoryTakesOneSizingAStep() {
        var asked: [Int] = []
        let guess = PushSteps.guess(from: 100, remaining: 900, total: 900_000, budget: 70_000)
        let found = PushSteps.step(from: 100, before: 1_000, budget: 80_000, enough: 60_000, guess: guess) {
            (index: Int) -> Int in
            asked.append(index)
            return (index - 100 + 1) * 1_000
        }
        #expect(found == 169)
        #expect(asked == [169])
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
