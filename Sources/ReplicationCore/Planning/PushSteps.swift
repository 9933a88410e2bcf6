/// How a push too big for a mirror's size cap is cut into pushes that each fit
/// (`remote.NAME.maxPushSize`, or a cap the host taught by refusing a pack as too large): refs in an
/// order that sends shared history once, groups of refs halved until a group fits, and a ref whose
/// own history is too big advanced along its first-parent history in steps. The sizes come from
/// the caller (an estimate of the pack for some new ids, thin against what the mirror has).
package enum PushSteps {
    /// The estimate a pack may reach under `cap`: estimates are the objects' stored sizes, and a
    /// pack made for the wire can come out a little larger (recomputed deltas, headers).
    package static func budget(forCap cap: Int) -> Int { cap - cap / 8 }

    /// Updates in the order a capped push sends them: branches first (they carry the history),
    /// then other refs, then tags (which mostly point into the branches' history, and then cost
    /// almost nothing); deletions need no pack and go last. Stable within each class.
    package static func ordered(_ updates: [RefUpdate]) -> [RefUpdate] {
        func rank(_ update: RefUpdate) -> Int {
            if update.action == .delete { return 3 }
            if update.destination.hasPrefix("refs/heads/") { return 0 }
            return update.destination.hasPrefix("refs/tags/") ? 2 : 1
        }
        return updates.enumerated().sorted { (rank($0.element), $0.offset) < (rank($1.element), $1.offset) }
            .map(\.element)
    }

    /// `updates` in two halves that keep each change's refs together, or `nil` when they are one
    /// ref or one change.
    package static func halves(_ updates: [RefUpdate]) -> ([RefUpdate], [RefUpdate])? {
        let groups = PushUnits.groups(updates)
        guard groups.count > 1 else { return nil }
        let middle = groups.count / 2
        return (groups[..<middle].flatMap { $0 }, groups[middle...].flatMap { $0 })
    }

    /// The furthest position in `start..<count` that `fits`, or `nil` when `start` itself does not.
    /// `fits` must hold up to some position and not after it (a commit's pack contains its
    /// ancestors'), and is asked about `guess` first: galloping from there and then bisecting asks
    /// O(log distance) times, each about a pack near the budget rather than the whole history.
    package static func furthest<Failure: Error>(
        from start: Int,
        before count: Int,
        guess: Int,
        fits: (Int) throws(Failure) -> Bool
    ) throws(Failure) -> Int? {
        guard start < count else { return nil }
        var probe = min(max(guess, start), count - 1)
        // `low` is known to fit (or is start - 1: nothing known), `high` known not to (or is count).
        var low = start - 1
        var high = count
        if try fits(probe) {
            low = probe
            var step = 1
            while low + step < count {
                probe = low + step
                guard try fits(probe) else {
                    high = probe
                    break
                }
                low = probe
                step *= 2
            }
        } else {
            high = probe
            var step = 1
            while high - step >= start {
                probe = high - step
                if try fits(probe) {
                    low = probe
                    break
                }
                high = probe
                step *= 2
            }
        }
        while high - low > 1 {
            let middle = low + (high - low) / 2
            if try fits(middle) { low = middle } else { high = middle }
        }
        return low >= start ? low : nil
    }

    /// Where the first step should end, if the history's size were spread evenly over its commits:
    /// `budget` of `total` bytes over the `remaining` commits.
    package static func guess(from start: Int, remaining: Int, total: Int, budget: Int) -> Int {
        guard total > 0, remaining > 0 else { return start }
        let share = Double(remaining) * Double(budget) / Double(total)
        return start + max(0, Int(share.rounded(.down)) - 1)
    }
}
