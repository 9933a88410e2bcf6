/// How a push's updates are split into receive-pack invocations: the refs of one Gerrit change
/// (`refs/changes/XX/N/…`: patch sets, `meta`, `base`) always travel together, and, where the
/// mirror supports it, atomically, so that a replica never sees a patch set without its meta.
package struct PushUnit: Hashable, Sendable {
    package var updates: [RefUpdate]
    /// All or nothing (`atomic`); holds whole changes only.
    package var isAtomic: Bool
    /// Deletions only, sent atomically so that a git mirror rewrites its `packed-refs` once for all
    /// of them instead of once per ref; refused, they are sent again as plain and change units.
    package var isDeletionBatch: Bool

    package init(updates: [RefUpdate], isAtomic: Bool, isDeletionBatch: Bool = false) {
        self.updates = updates
        self.isAtomic = isAtomic
        self.isDeletionBatch = isDeletionBatch
    }

    /// The changes in this unit, each its updates, in order.
    package var changes: [[RefUpdate]] { PushUnits.groups(self.updates).filter { $0.count > 1 } }
}

package enum PushUnits {
    /// `refs/changes/34/1234` for `refs/changes/34/1234/meta`; `nil` outside `refs/changes/`.
    package static func change(of ref: String) -> Substring? {
        guard ref.hasPrefix("refs/changes/") else { return nil }
        // The prefix is ASCII: its 13 bytes are 13 characters. The change ends at the next slash
        // but one, which must be followed by something (a patch set, `meta`, `base`).
        let utf8 = ref.utf8
        var index = utf8.index(utf8.startIndex, offsetBy: 13)
        var slashes = 0
        while index < utf8.endIndex {
            if utf8[index] == UInt8(ascii: "/") {
                slashes += 1
                if slashes == 2 {
                    guard utf8.index(after: index) < utf8.endIndex else { return nil }
                    return ref[..<index]
                }
            }
            index = utf8.index(after: index)
        }
        return nil
    }

    /// How many deletions a push needs before they go in a unit of their own. git's receive-pack
    /// (before commit 9d2962a7c4, mid-2025) runs a non-atomic push's commands one transaction
    /// each, and each deletion of a packed ref rewrites the whole `packed-refs`: 333 deletions
    /// among 1,000,000 refs took it 80 s. An atomic unit rewrites it once, for one more exchange
    /// (its own ref advertisement).
    package static let deletionBatchMinimum = 16

    /// Splits `updates` into units of at most `batchSize` refs (0: no limit) that never divide a
    /// change; changes with several refs go into atomic units when `atomic`, the rest in
    /// non-atomic ones, so one refused branch blocks nothing else. With `batchingDeletions` (and
    /// `atomic`), at least ``deletionBatchMinimum`` deletions go first, in atomic units of their own
    /// (a change goes with them only when every ref of it is deleted).
    package static func split(
        _ updates: [RefUpdate],
        atomic: Bool,
        batchSize: Int,
        batchingDeletions: Bool = false
    ) -> [PushUnit] {
        if atomic, batchingDeletions,
            updates.lazy.filter({ $0.action == .delete }).count >= self.deletionBatchMinimum
        {
            var deleted: [[RefUpdate]] = []
            var kept: [RefUpdate] = []
            for group in self.groups(updates) {
                if group.allSatisfy({ $0.action == .delete }) { deleted.append(group) } else { kept += group }
            }
            if updates.count - kept.count >= self.deletionBatchMinimum {
                return self.batch(deleted, size: batchSize).map {
                    PushUnit(updates: $0, isAtomic: true, isDeletionBatch: true)
                } + self.split(kept, atomic: atomic, batchSize: batchSize)
            }
        }
        if batchSize <= 0, !atomic || !self.hasChangeOfSeveralRefs(updates) {
            // One push of everything, in plan order: grouping would only copy the list (14 MB for a
            // first push of 100,000 refs).
            return updates.isEmpty ? [] : [PushUnit(updates: updates, isAtomic: false)]
        }
        let groups = self.groups(updates)
        let together = atomic ? groups.filter { $0.count > 1 } : []
        let loose = atomic ? groups.filter { $0.count <= 1 } : groups
        return self.batch(loose, size: batchSize).map { PushUnit(updates: $0, isAtomic: false) }
            + self.batch(together, size: batchSize).map { PushUnit(updates: $0, isAtomic: true) }
    }

    private static func hasChangeOfSeveralRefs(_ updates: [RefUpdate]) -> Bool {
        // In a list sorted by name (a plan made by merging sorted ref lists) the refs of a change are
        // next to each other: comparing neighbours hashes nothing (a set of changes took 90 ms at
        // 100,000 refs). Any other order is checked with the set.
        var previous: (ref: String, change: Substring?)?
        for update in updates {
            let change = self.change(of: update.destination)
            if let previous {
                guard previous.ref < update.destination else { return self.hasRepeatedChange(updates) }
                if let change, change == previous.change { return true }
            }
            previous = (update.destination, change)
        }
        return false
    }

    private static func hasRepeatedChange(_ updates: [RefUpdate]) -> Bool {
        var changes: Set<Substring> = []
        for update in updates {
            guard let change = self.change(of: update.destination) else { continue }
            if !changes.insert(change).inserted { return true }
        }
        return false
    }

    /// Updates grouped by change (others alone), in the order of their first update.
    package static func groups(_ updates: [RefUpdate]) -> [[RefUpdate]] {
        updates.grouped { self.change(of: $0.destination) }
    }

    /// Whole groups into batches of at most `size` updates; a group larger than `size` is a batch
    /// of its own.
    private static func batch(_ groups: [[RefUpdate]], size: Int) -> [[RefUpdate]] {
        guard size > 0 else { return groups.isEmpty ? [] : [groups.flatMap { $0 }] }
        var batches: [[RefUpdate]] = []
        var current: [RefUpdate] = []
        for group in groups {
            if !current.isEmpty, current.count + group.count > size {
                batches.append(current)
                current = []
            }
            current += group
        }
        if !current.isEmpty { batches.append(current) }
        return batches
    }
}
