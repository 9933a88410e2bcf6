/// How a push too big for a mirror's size cap is cut into pushes that each fit
/// (`remote.NAME.maxPushSize`, or a cap the host taught by refusing a pack as too large): refs in an
/// order that sends shared history once, groups of refs halved until a group fits, and a ref whose
/// own history is too big advanced along its first-parent history in steps. The sizes come from
/// the caller (an estimate of the pack for some new ids, thin against what the mirror has).
package enum PushSteps {
    /// The estimate a pack may reach under `cap`: estimates are the objects' stored sizes, and a
    /// pack made for the wire can come out a little larger (recomputed deltas, headers).
    package static func budget(forCap cap: Int) -> Int { cap - cap / 8 }

    /// Updates in the order a capped push sends them: the source's HEAD branch first (it mostly
    /// holds the history the other branches fork from), then the other branches, then other refs,
    /// then tags (which mostly point into the branches' history, and then cost almost nothing);
    /// deletions need no pack and go last. Stable within each class.
    package static func ordered(_ updates: [RefUpdate], head: String? = nil) -> [RefUpdate] {
        func rank(_ update: RefUpdate) -> Int {
            if update.action == .delete { return 3 }
            if let head, update.source == head { return -1 }
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

    /// A position in `start..<count` whose size fits `budget`, or `nil` when `start`'s does not:
    /// the last position when it fits, else one whose size reaches `enough` or whose successor
    /// does not fit. `size` must not decrease along the positions (a commit's pack contains its
    /// ancestors'). Interpolates from each size it learns (sizes grow about evenly along a history),
    /// then bisects: a few sizings a step, each of a pack near the budget, never the whole history.
    package static func step<Failure: Error>(
        from start: Int,
        before count: Int,
        budget: Int,
        enough: Int,
        guess: Int,
        size: (Int) throws(Failure) -> Int
    ) throws(Failure) -> Int? {
        guard start < count else { return nil }
        // `low` fits (or is start - 1: nothing known to), `high` does not (or is count).
        var (low, high) = (start - 1, count)
        var probe = min(max(guess, start), count - 1)
        var interpolations = 0
        while true {
            let measured = try size(probe)
            if measured <= budget {
                low = probe
                if measured >= enough || probe == count - 1 { return low }
            } else {
                high = probe
            }
            if high - low <= 1 { return low >= start ? low : nil }
            interpolations += 1
            let target = (budget + enough) / 2
            let estimate = Double(probe - start + 1) * Double(target) / Double(max(measured, 1))
            let interpolated = start + Int(estimate.rounded(.down)) - 1
            let middle = low + (high - low) / 2
            probe = interpolations <= 3 ? min(max(interpolated, low + 1), high - 1) : middle
        }
    }

    /// Where the first step should end, if the history's size were spread evenly over its commits:
    /// `budget` of `total` bytes over the `remaining` commits.
    package static func guess(from start: Int, remaining: Int, total: Int, budget: Int) -> Int {
        guard total > 0, remaining > 0 else { return start }
        let share = Double(remaining) * Double(budget) / Double(total)
        return start + max(0, Int(share.rounded(.down)) - 1)
    }
}
