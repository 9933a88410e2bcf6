import ReplicationCore
import Testing

/// When the reconcile verifies each mirror: spread, rate, rounds, intervals.
struct ReconcileScheduleTests {
    typealias Schedule = ReconcileSchedule<ManualInstant>

    static func targets(_ count: Int, interval: Duration = .seconds(3600)) -> [PushTarget: Duration] {
        Dictionary(
            uniqueKeysWithValues: (0..<count).map {
                (PushTarget(remote: "r", url: "ssh://h/p\($0).git", project: "p\($0)"), interval)
            }
        )
    }

    @Test func firstVerifiesAreSpreadOverTheInterval() {
        var schedule = Schedule(rate: 1000)
        schedule.update(targets: Self.targets(1000), now: .zero)
        var deciles = [Int](repeating: 0, count: 10)
        for target in Self.targets(1000).keys {
            let due = schedule.dueAt(target)!.offset
            #expect(due >= .zero && due < .seconds(3600))
            deciles[Int(due / .seconds(360))] += 1
        }
        #expect(deciles.allSatisfy { (60...140).contains($0) }, "\(deciles)")
    }

    @Test func startsAreCappedByTheRate() {
        var schedule = Schedule(rate: 2)
        schedule.update(targets: Self.targets(10), now: .zero)
        schedule.requestRound(now: .zero)
        var started: [Int] = []
        for second in 0..<5 {
            let next = schedule.next(now: .seconds(second))
            started.append(next.start.count)
            // Due but out of tokens: ask again when the next token comes.
            #expect(next.wakeAt == (second < 4 ? ManualInstant(offset: .seconds(second) + .milliseconds(500)) : nil))
        }
        #expect(started == [2, 2, 2, 2, 2])
        #expect(schedule.next(now: .seconds(5)).start.isEmpty)  // every target is running
    }

    @Test func aFinishedTargetComesBackAboutAnIntervalLater() throws {
        var schedule = Schedule(rate: 10)
        let target = try #require(Self.targets(1).keys.first)
        schedule.update(targets: Self.targets(1), now: .zero)
        schedule.requestRound(now: .zero)
        #expect(schedule.next(now: .zero).start == [target])
        #expect(schedule.next(now: .seconds(1)).start.isEmpty)  // still running: never twice at once
        schedule.finished(target, failed: false, now: .seconds(10))
        let due = try #require(schedule.dueAt(target)).offset
        #expect(due >= .seconds(10 + 3240) && due <= .seconds(10 + 3960))
        schedule.finished(target, failed: true, now: .seconds(20))
        #expect(schedule.dueAt(target)?.offset == .seconds(620))
    }

    @Test func aRoundMakesEveryTargetDueNowAndGoneTargetsAreForgotten() {
        var schedule = Schedule(rate: 100)
        schedule.update(targets: Self.targets(5), now: .zero)
        schedule.requestRound(now: .seconds(7))
        #expect(Self.targets(5).keys.allSatisfy { schedule.dueAt($0) == .seconds(7) })
        schedule.update(targets: Self.targets(2), now: .seconds(8))
        #expect(schedule.targetCount == 2)
        schedule.update(targets: Self.targets(2, interval: .zero), now: .seconds(9))
        #expect(schedule.targetCount == 0)
        #expect(schedule.next(now: .seconds(10)).wakeAt == nil)
    }
}
