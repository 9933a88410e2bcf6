import ReplicationCore

/// Pushes under a size cap (`remote.NAME.maxPushSize`, or what the host taught by refusing a pack
/// as too large): each unit's pack is sized before it is sent; one that would not fit is halved,
/// and a single ref whose history is too big is advanced along its first-parent line in steps,
/// each step an ordinary compare-and-swap push that leaves the mirror consistent (a push cut short
/// resumes from the mirror's refs: nothing is kept but what landed).
extension SendPackRun {
    /// The cap in force for this push, if any: the remote's, or a smaller one the host taught.
    var sizeCap: Int? {
        let configured = self.options.maxPushSize > 0 ? self.options.maxPushSize : nil
        let learned = PushLimits.shared.sizeCap(for: self.url)
        return [configured, learned].compactMap(\.self).min()
    }

    private var sizer: PackSizer { PackSizer(git: self.options.git, repositoryPath: self.repository.path) }

    /// Sends `units` in order, each cut until its pack fits the cap. After each push the rest is
    /// joined again into the push's units: what the cut history left is often small enough to go
    /// in one push (the other branches of a history its HEAD branch just brought).
    mutating func sendUnderCap(
        _ units: [PushUnit],
        first: inout SendPackExchange?,
        open: () throws(GitError) -> SendPackExchange
    ) {
        var work = Array(units.reversed())
        let atomic = self.options.atomicChanges && self.advertisement.capabilities.contains("atomic")
        func rejoined(_ work: [PushUnit]) -> [PushUnit] {
            let left = work.reversed().flatMap(\.updates)
            return PushUnits.split(left, atomic: atomic, batchSize: self.batchSize).reversed()
        }
        while let unit = work.popLast() {
            guard let cap = self.sizeCap else {
                self.send(unit, first: &first, open: open)
                continue
            }
            let size: Int
            do throws(GitError) {
                size = try self.packSize(unit.updates)
            } catch {
                self.fail(unit.updates, error.message)
                continue
            }
            if size <= PushSteps.budget(forCap: cap) {
                self.send(unit, first: &first, open: open)
                work = rejoined(work)
            } else if let (front, back) = self.cut(unit, budget: PushSteps.budget(forCap: cap)) {
                work.append(back)
                work.append(front)
            } else if unit.updates.count > 1 {
                // One change bigger than the cap: its refs one by one (they share most history).
                work += unit.updates.reversed().map { PushUnit(updates: [$0], isAtomic: false) }
            } else if let update = unit.updates.first {
                self.step(update, size: size, first: &first, open: open)
                work = rejoined(work)
            }
        }
    }

    /// The pack `updates` need now; the last answer again while nothing landed since (a cut sizes
    /// the ref it then sends).
    private mutating func packSize(_ updates: [RefUpdate]) throws(GitError) -> Int {
        let (wants, bases) = (Self.wants(updates).sorted(), self.thinPackBases())
        if let last = self.lastSizing, last.wants == wants, last.bases == bases.count { return last.size }
        let size = try self.sizer.size(of: wants, bases: bases)
        self.lastSizing = (wants, bases.count, size)
        return size
    }

    /// `unit` in two: its first ref (or change) and the rest when that one alone is over `budget`
    /// (the HEAD branch that carries the history: halving would size the whole history once per
    /// halving to find it), else halves; `nil` for one ref or one change.
    private mutating func cut(_ unit: PushUnit, budget: Int) -> (PushUnit, PushUnit)? {
        guard let (front, back) = PushSteps.halves(unit.updates) else { return nil }
        let groups = PushUnits.groups(unit.updates)
        if groups.count > 2, let leading = groups.first,
            let size = try? self.packSize(leading), size > budget
        {
            let taken = Set(leading.map(\.destination))
            let rest = unit.updates.filter { !taken.contains($0.destination) }
            return (
                PushUnit(updates: leading, isAtomic: unit.isAtomic), PushUnit(updates: rest, isAtomic: unit.isAtomic)
            )
        }
        return (PushUnit(updates: front, isAtomic: unit.isAtomic), PushUnit(updates: back, isAtomic: unit.isAtomic))
    }

    /// After the host refused `unit`'s pack as too large: a cap of half that pack, learned for the
    /// URL. `false` when the pack is already as small as a cap goes (the refusal stands).
    mutating func lowerSizeCap(below unit: PushUnit) -> Bool {
        guard let size = try? self.packSize(unit.updates) else {
            return false
        }
        let cap = min(size / 2, self.sizeCap ?? .max)
        guard cap >= RemoteConfiguration.smallestPushSize else { return false }
        PushLimits.shared.learnSizeCap(cap, for: self.url)
        return true
    }

    /// Advances `update`'s ref along the first-parent line to its new id in steps that each fit
    /// the cap; the last step is `update` itself, from wherever the steps left the ref. `size` is
    /// the pack `update` alone would need: each landed step takes its own size off it (the objects
    /// a step brings are exactly those it no longer has to), so no step sizes the whole history.
    private mutating func step(
        _ update: RefUpdate,
        size: Int,
        first: inout SendPackExchange?,
        open: () throws(GitError) -> SendPackExchange
    ) {
        guard let tip = update.newID else {
            return self.send(PushUnit(updates: [update], isAtomic: false), first: &first, open: open)
        }
        var current = update
        var (position, steps, left) = (0, 0, size)
        do throws(GitError) {
            let line = try self.sizer.firstParentLine(to: tip, bases: self.thinPackBases())
            while let cap = self.sizeCap {
                let budget = PushSteps.budget(forCap: cap)
                if left <= budget || position >= line.count { break }
                let (bases, sizer) = (self.thinPackBases(), self.sizer)
                let guess = PushSteps.guess(
                    from: position,
                    remaining: line.count - position,
                    total: left,
                    budget: budget * 15 / 16
                )
                var sizes: [Int: Int] = [:]
                let end = try PushSteps.step(
                    from: position,
                    before: line.count,
                    budget: budget,
                    enough: budget * 7 / 8,
                    guess: guess
                ) { (index) throws(GitError) in
                    let size = try sizer.size(of: [line[index]], bases: bases)
                    sizes[index] = size
                    return size
                }
                guard let end else { return self.refuseTooBig(update, commit: line[position], cap: cap) }
                var next = current
                next.newID = line[end]
                next.action = current.oldID == nil ? .create : .update
                let reply = self.exchange(PushUnit(updates: [next], isAtomic: false), first: &first, open: open)
                switch reply {
                case .success(let answer) where answer.results.allSatisfy { $0.status == .ok }:
                    steps += 1
                    self.mirrorHas(line[end])
                    current.oldID = line[end]
                    current.action = .update
                    position = end + 1
                    left -= sizes[end] ?? 0
                case .success(let answer) where answer.tooLarge:
                    self.sizeRefusal = answer.refusalWords
                    guard self.lowerSizeCap(below: PushUnit(updates: [next], isAtomic: false)) else {
                        return self.fail([update], Self.stepFailure(steps, answer.results.first?.message))
                    }
                case .success(let answer):
                    return self.fail([update], Self.stepFailure(steps, answer.results.first?.message))
                case .failure(let error):
                    self.report.failure = error.message
                    return self.fail([update], Self.stepFailure(steps, error.message))
                }
            }
        } catch {
            return self.fail([update], error.message)
        }
        self.send(PushUnit(updates: [current], isAtomic: false), first: &first, open: open)
        self.results.restore(update)
    }

    /// A ref whose next commit alone makes a pack over the cap: it cannot be cut finer, so it
    /// fails naming what is too big.
    private mutating func refuseTooBig(_ update: RefUpdate, commit: ObjectID, cap: Int) {
        let bases = self.thinPackBases()
        let configured = self.options.maxPushSize > 0 && cap >= self.options.maxPushSize
        let capText =
            configured
            ? "the push size cap of \(cap) bytes (maxPushSize)"
            : "the \(cap) bytes this mirror was found to take"
        let said = self.sizeRefusal.map { "; the mirror said: \($0)" } ?? ""
        if let (id, type, size) = try? self.sizer.largestObject(of: commit, bases: bases), size > cap {
            let message = "\(type) \(id.hex) is \(size) bytes, larger than \(capText): it cannot reach this mirror"
            return self.reject([update], message + said)
        }
        let size = (try? self.sizer.size(of: [commit], bases: bases)).map { "about \($0) bytes" } ?? "more"
        self.reject([update], "commit \(commit.hex) alone makes a pack of \(size), over \(capText)" + said)
    }

    private static func stepFailure(_ landed: Int, _ reason: String?) -> String {
        let done = landed == 0 ? "" : " (\(landed) earlier steps landed; the next push resumes from there)"
        return "a step toward the new id failed: \(reason ?? "no reason given")\(done)"
    }

    private static func wants(_ updates: [RefUpdate]) -> [ObjectID] { Array(Set(updates.compactMap(\.newID))) }

    private mutating func fail(_ updates: [RefUpdate], _ message: String) {
        for update in updates { self.results.set(RefResult(update: update, status: .failed, message: message)) }
    }

    private mutating func reject(_ updates: [RefUpdate], _ message: String) {
        for update in updates { self.results.set(RefResult(update: update, status: .rejected, message: message)) }
    }
}
