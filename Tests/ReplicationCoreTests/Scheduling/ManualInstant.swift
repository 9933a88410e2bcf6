import ReplicationCore

/// A point on a clock the test moves by hand.
struct ManualInstant: InstantProtocol, Sendable {
    var offset: Duration

    static let zero = ManualInstant(offset: .zero)

    func advanced(by duration: Duration) -> ManualInstant { ManualInstant(offset: self.offset + duration) }
    func duration(to other: ManualInstant) -> Duration { other.offset - self.offset }
    static func < (lhs: ManualInstant, rhs: ManualInstant) -> Bool { lhs.offset < rhs.offset }

    static func seconds(_ value: Int) -> ManualInstant { ManualInstant(offset: .seconds(value)) }
}

typealias TestQueue = ReplicationQueue<ManualInstant>

extension TestQueue.Action {
    var startedTask: PushTask<ManualInstant>? {
        if case .startPush(let task) = self { return task }
        return nil
    }
}

extension Array where Element == TestQueue.Action {
    var started: [PushTask<ManualInstant>] { self.compactMap(\.startedTask) }
}
