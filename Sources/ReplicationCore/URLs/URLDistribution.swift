/// How a remote with several URLs spreads its pushes (`remote.NAME.urlDistributionStrategy`,
/// Gerrit 3.11): to every URL, or to one at a time for replicas that share one backend.
package enum URLDistribution: String, CaseIterable, Hashable, Sendable, Codable {
    /// Every push to every URL (Gerrit's default).
    case all
    /// Each push to the next URL in turn, whatever the project (Gerrit's `roundRobin`).
    case roundRobin
    /// Each project always to the same one URL, chosen from its name whatever the URLs' order
    /// (Gerrit's `projectSharded`; the URL a project lands on may differ from Gerrit's choice).
    case projectSharded
}

/// Where each push goes among a remote's URLs: the round-robin turn per remote, kept by the engine
/// that plans the events (a pure value, advanced as events are expanded).
package struct URLRotation: Hashable, Sendable {
    private var turns: [String: Int] = [:]

    package init() {}

    /// The URLs of `candidates` (one remote's, for one project) that a push goes to.
    package mutating func select(
        _ candidates: [RemoteURL],
        remote: RemoteConfiguration,
        project: String
    ) -> [RemoteURL] {
        guard candidates.count > 1 else { return candidates }
        switch remote.urlDistribution {
        case .all:
            return candidates
        case .roundRobin:
            let turn = self.turns[remote.name, default: 0]
            self.turns[remote.name] = turn &+ 1
            return [candidates[turn % candidates.count]]
        case .projectSharded:
            let ordered = candidates.sorted { $0.description < $1.description }
            return [ordered[Int(Self.stableHash(project) % UInt64(ordered.count))]]
        }
    }

    /// FNV-1a of the name's UTF-8: the same on every node and every run (Swift's `Hasher` is seeded
    /// per process).
    static func stableHash(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return hash
    }
}
