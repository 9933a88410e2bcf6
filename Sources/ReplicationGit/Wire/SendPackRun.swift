import Foundation
import ReplicationCore
import Synchronization

/// One planned push carried out unit by unit, with every ref's result: the client-side
/// non-fast-forward check, atomic change units (falling back to one change per unit when the
/// mirror refuses part of one), and the report mapped to what the push path always reported.
struct SendPackRun {
    let repository: GitRepository
    let options: SendPackOptions
    let advertisement: RefAdvertisement
    let plan: UpdatePlan
    let progress: ((PushProgress) -> Void)?
    /// The mirror's URL: refs-per-push limits a host taught are kept under it (``PushLimits``).
    let url: String
    /// Each planned update's result, in plan order (a dictionary keyed by whole updates took 90 MB
    /// for a first push of 100,000 refs; these slots take 12).
    var results: ResultSlots
    var report: PushReport
    /// What the mirror said when it last refused a pack as too large (for a ref that cannot fit).
    var sizeRefusal: String?
    /// The last pack sized under a cap: its new ids, how many bases it was sized against, its size.
    var lastSizing: (wants: [ObjectID], bases: Int, size: Int)?
    /// Objects the mirror has, as far as this repository knows them: the thin pack's bases. Looked
    /// up once, when the first pack is made (a push with nothing to send never needs them), and
    /// grown by what each exchange landed, so that a later unit does not send that history again.
    private var bases: [ObjectID]?
    /// This push's in-process packer, when the source is small and no `maxPushSize` applies.
    private lazy var smallPack = SmallPack(
        repository: self.repository,
        limit: self.options.maxPushSize > 0 ? 0 : self.options.smallPackLimit
    )

    init(
        repository: GitRepository,
        options: SendPackOptions,
        advertisement: RefAdvertisement,
        plan: UpdatePlan,
        url: String,
        progress: ((PushProgress) -> Void)?
    ) {
        self.url = url
        self.repository = repository
        self.options = options
        self.advertisement = advertisement
        self.plan = plan
        self.progress = progress
        self.report = PushReport(plan: plan, results: [])
        self.results = ResultSlots(plan.updates)
    }

    mutating func run(first: SendPackExchange, open: () throws(GitError) -> SendPackExchange) throws(GitError)
        -> PushReport
    {
        var first: SendPackExchange? = first
        if let blocked = self.plan.blocked { return self.sendingNothing(failing: blocked, first: first) }
        if !self.options.pushOptions.isEmpty, !self.advertisement.capabilities.contains("push-options"),
            !self.plan.updates.isEmpty
        {
            let refusal =
                "the mirror does not accept push options (no push-options in its advertisement: git's "
                + "receive.advertisePushOptions is off there) and this remote sets pushOption: nothing was sent"
            self.report.failure = refusal
            return self.sendingNothing(failing: refusal, first: first)
        }
        let sendable = self.refuseNonFastForwards()
        let atomic = self.options.atomicChanges && self.advertisement.capabilities.contains("atomic")
        let capped = self.sizeCap != nil
        let units = PushUnits.split(
            capped ? PushSteps.ordered(sendable, head: self.repository.symbolicHead) : sendable,
            atomic: atomic,
            batchSize: self.batchSize,
            batchingDeletions: !capped
        )
        if units.isEmpty, var exchange = first {
            _ = try exchange.push(PushRequest(commands: []), writePack: { _ in })
            self.report.serverMessages += exchange.serverMessages
        }
        if capped {
            self.sendUnderCap(units, first: &first, open: open)
        } else {
            for unit in units { self.send(unit, first: &first, open: open) }
        }
        self.report.results = self.results.all
        return self.report
    }

    /// Every planned ref fails with `reason`; the open exchange ends without commands.
    private mutating func sendingNothing(failing reason: String, first: SendPackExchange?) -> PushReport {
        self.report.results = self.plan.updates.map { RefResult(update: $0, status: .failed, message: reason) }
        var first = first
        _ = try? first?.push(PushRequest(commands: []), writePack: { _ in })
        return self.report
    }

    /// A non-forced refspec must not rewrite history: refuse that ref alone, as `git push` does,
    /// and with it the other refs of its change.
    private mutating func refuseNonFastForwards() -> [RefUpdate] {
        var refused: Set<Substring> = []
        var refusedAny = false
        for update in self.plan.updates {
            guard let refusal = self.repository.nonFastForwardRefusal(update) else { continue }
            self.results.set(RefResult(update: update, status: .rejected, message: refusal))
            refusedAny = true
            if let change = PushUnits.change(of: update.destination) { refused.insert(change) }
        }
        // The plan's own list when nothing was refused: no copy of it (14 MB at 100,000 refs).
        guard refusedAny else { return self.plan.updates }
        var sendable: [RefUpdate] = []
        for update in self.plan.updates where !self.results.has(update) {
            guard let change = PushUnits.change(of: update.destination), refused.contains(change) else {
                sendable.append(update)
                continue
            }
            self.results.set(
                RefResult(update: update, status: .rejected, message: "not sent: another ref of \(change) was refused")
            )
        }
        return sendable
    }

    /// `pushBatchSize`, lowered to what the host allows when it refused a bigger push before.
    var batchSize: Int {
        guard let learned = PushLimits.shared.limit(for: self.url) else { return self.options.batchSize }
        return self.options.batchSize > 0 ? min(self.options.batchSize, learned) : learned
    }

    /// Sends `unit`; an atomic unit of several changes that the mirror refused is sent again one
    /// change at a time, so that one refused change keeps only itself out; a unit the host refused
    /// for its number of refs is sent again in batches it allows, one it refused as too large in
    /// pushes under a lower size cap.
    mutating func send(
        _ unit: PushUnit,
        first: inout SendPackExchange?,
        open: () throws(GitError) -> SendPackExchange
    ) {
        let reply = self.exchange(unit, first: &first, open: open)
        if case .success(let answer) = reply, let limit = answer.hostLimit,
            let smaller = Self.smaller(unit, results: Array(answer.results), limit: limit)
        {
            PushLimits.shared.learn(limit, for: self.url)
            for result in answer.results where result.status == .ok { self.landed(result) }
            for part in smaller { self.send(part, first: &first, open: open) }
            return
        }
        if case .success(let answer) = reply, answer.tooLarge { self.sizeRefusal = answer.refusalWords }
        if case .success(let answer) = reply, answer.tooLarge, self.lowerSizeCap(below: unit) {
            for result in answer.results where result.status == .ok { self.landed(result) }
            let left = Array(answer.results.filter { $0.status != .ok }.map(\.update))
            self.sendUnderCap([PushUnit(updates: left, isAtomic: unit.isAtomic)], first: &first, open: open)
            return
        }
        let outcome = reply.map(\.results)
        if unit.isDeletionBatch, case .success(let results) = outcome, results.contains(where: { $0.status != .ok }) {
            // Refused as a whole (one ref's lock, a hook): each deletion again, on its own merits.
            for result in results where result.status == .ok { self.landed(result) }
            let left = Array(results.filter { $0.status != .ok }.map(\.update))
            for part in PushUnits.split(left, atomic: true, batchSize: self.batchSize) {
                self.send(part, first: &first, open: open)
            }
            return
        }
        if unit.isAtomic, case .success(let results) = outcome, results.contains(where: { $0.status != .ok }) {
            let changes = unit.changes
            if changes.count > 1 {
                for change in changes {
                    self.send(PushUnit(updates: change, isAtomic: true), first: &first, open: open)
                }
                return
            }
        }
        switch outcome {
        case .success(let results): for result in results { self.landed(result) }
        case .failure(let error):
            self.report.failure = error.message
            for update in unit.updates {
                self.results.set(RefResult(update: update, status: .failed, message: error.message))
            }
        }
    }

    /// One exchange with the mirror for `unit`: on `first` while it is unused, on a new one after.
    mutating func exchange(
        _ unit: PushUnit,
        first: inout SendPackExchange?,
        open: () throws(GitError) -> SendPackExchange
    ) -> Result<UnitReply, GitError> {
        let existing = first
        first = nil
        do throws(GitError) {
            var exchange: SendPackExchange
            if let existing {
                exchange = existing
            } else {
                exchange = try open()
                _ = try exchange.advertisement()
            }
            let status = try self.sendCommands(of: unit, on: &exchange)
            self.report.serverMessages += exchange.serverMessages
            self.report.bytesSent += exchange.channel.bytesWritten
            let reply = UnitReply(updates: unit.updates, status: status, serverMessages: exchange.serverMessages)
            return .success(reply)
        } catch {
            return .failure(error)
        }
    }

    /// Sends `unit`'s commands and pack on `exchange`; the command list lives only until the report
    /// is read (6 MB at 100,000 refs, otherwise held while the exchange's results are recorded).
    private mutating func sendCommands(of unit: PushUnit, on exchange: inout SendPackExchange) throws(GitError)
        -> ReportStatus?
    {
        var request = PushRequest(
            commands: unit.updates.map(PushCommand.init),
            options: self.options.pushOptions,
            atomic: unit.isAtomic
        )
        request.agent = self.options.agent
        if let refusal = self.options.beforeCommands?() {
            _ = try? exchange.push(PushRequest(commands: []), writePack: { _ in })
            throw GitError(code: .network, function: "push", status: -1, message: refusal)
        }
        let writer = PackWriter(
            git: self.options.git,
            repositoryPath: self.repository.path,
            offsetDeltas: self.advertisement.capabilities.contains("ofs-delta")
        )
        let wants = Array(Set(unit.updates.compactMap(\.newID)))
        let bases = request.sendsPack ? self.thinPackBases() : []
        let small = request.sendsPack ? self.smallPack : nil
        let sentBefore = self.report.bytesSent
        let progress = self.progress
        return try exchange.push(request) { (channel) throws(GitError) in
            if let pack = small?.pack(wants: wants, bases: bases) {
                try channel.write(pack)
                progress?(.sent(bytes: sentBefore + pack.count))
                return
            }
            _ = try writer.write(wants: wants, bases: bases, to: channel) { written in
                progress?(.sent(bytes: sentBefore + written))
            }
        }
    }

    /// Records `result`; what landed is the mirror's now, a base for the packs after it.
    mutating func landed(_ result: RefResult) {
        self.results.set(result)
        self.mirrorHas(result.status == .ok ? result.update.newID : nil)
    }

    /// The mirror has `id` now (an exchange landed it).
    mutating func mirrorHas(_ id: ObjectID?) {
        guard let id else { return }
        _ = self.thinPackBases()
        self.bases?.append(id)
    }

    mutating func thinPackBases() -> [ObjectID] {
        if let bases = self.bases { return bases }
        let bases = self.repository.existing(Set(self.advertisement.refs.ids).union(self.advertisement.extraHaves))
        self.bases = bases
        return bases
    }

}

/// What one exchange answered: each ref's result, the refs-per-push limit the host named
/// refusing them (GitHub's GH013), if it did, and whether it refused the pack as too large.
struct UnitReply {
    let updates: [RefUpdate]
    let status: ReportStatus?
    let serverMessages: String
    private(set) var hostLimit: Int?
    private(set) var tooLarge = false

    init(updates: [RefUpdate], status: ReportStatus?, serverMessages: String) {
        self.updates = updates
        self.status = status
        self.serverMessages = serverMessages
        for index in updates.indices {
            let refusal = Self.result(of: index, in: updates, status: status, serverMessages: serverMessages).1
            if refusal?.kind == .tooManyRefs, let limit = refusal?.limit {
                self.hostLimit = min(self.hostLimit ?? limit, limit)
            }
            if refusal?.kind == .tooLarge { self.tooLarge = true }
        }
    }

    /// Each ref's result in the unit's order, made when read: kept in an array beside the run's
    /// slots they took 13 MB more for a first push of 100,000 refs.
    var results: LazyMapCollection<Range<Int>, RefResult> {
        let (updates, status, said) = (self.updates, self.status, self.serverMessages)
        return updates.indices.lazy.map { Self.result(of: $0, in: updates, status: status, serverMessages: said).0 }
    }

    /// The first refused ref's message: the server's reason and the host's words.
    var refusalWords: String? { self.results.first { $0.status != .ok }?.message }

    /// The ref's result, and the host's refusal of it when the host said one we know.
    private static func result(
        of index: Int,
        in updates: [RefUpdate],
        status report: ReportStatus?,
        serverMessages: String
    ) -> (RefResult, HostRefusal?) {
        let update = updates[index]
        if let unpackError = report?.unpackError {
            // The server's last words say why (`fatal: pack exceeds maximum allowed size`).
            let said = serverMessages.split(whereSeparator: \.isNewline).last { !$0.isEmpty }
            let detail = said.map { " (\($0.trimmingCharacters(in: .whitespaces)))" } ?? ""
            let message = "the mirror could not unpack: \(unpackError)\(detail)"
            let refusal = HostRefusal.decodeUnpack(serverMessages: serverMessages)
            let decoded = refusal.map { " (\($0.kind.rawValue))" } ?? ""
            return (RefResult(update: update, status: .failed, message: message + decoded), refusal)
        }
        // The unit's updates are its commands, in the order sent.
        let said = report?.said(about: update.destination, at: index)
        return RefResult.reported(for: update, said: said, serverMessages: serverMessages)
    }
}

/// Results in the plan's order, found by their update's destination (a plan writes each remote ref
/// once). Results mostly come in plan order (one push of the whole plan), so the slot after the last
/// one set is tried first; a dictionary of positions (6 MB and 40 ms at 100,000 refs) is built only
/// for a result out of that order.
struct ResultSlots {
    /// The plan's list, shared with it.
    private let updates: [RefUpdate]
    private var position: [String: Int]?
    private var slots: [RefResult?]
    private var next = 0

    init(_ updates: [RefUpdate]) {
        self.updates = updates
        self.slots = Array(repeating: nil, count: updates.count)
    }

    mutating func has(_ update: RefUpdate) -> Bool {
        self.index(of: update.destination).map { self.slots[$0] != nil } ?? false
    }

    mutating func set(_ result: RefResult) {
        guard let index = self.index(of: result.update.destination) else { return }
        self.slots[index] = result
        self.next = index + 1
    }

    /// The result at `update`'s ref reported as `update`'s: a ref advanced in steps was last sent
    /// from where the steps left it, not from the old id the plan read.
    mutating func restore(_ update: RefUpdate) {
        guard let index = self.index(of: update.destination) else { return }
        self.slots[index]?.update = update
    }

    /// Every result there is, in plan order.
    var all: [RefResult] {
        var all: [RefResult] = []
        all.reserveCapacity(self.slots.count)  // compactMap grows by doubling: 17 MB for 100,000 refs
        for case let result? in self.slots { all.append(result) }
        return all
    }

    private mutating func index(of destination: String) -> Int? {
        if self.next < self.updates.count, self.updates[self.next].destination == destination { return self.next }
        if self.position == nil {
            self.position = Dictionary(
                self.updates.enumerated().map { ($1.destination, $0) },
                uniquingKeysWith: { first, _ in first }
            )
        }
        return self.position?[destination]
    }
}

extension SendPackRun {
    /// The refs of `unit` not yet on the mirror in units of at most `limit` (a change's refs stay
    /// together), or `nil` when that makes nothing smaller (one change with more refs than that).
    fileprivate static func smaller(_ unit: PushUnit, results: [RefResult], limit: Int) -> [PushUnit]? {
        let left = results.filter { $0.status != .ok }.map(\.update)
        guard limit > 0, !left.isEmpty else { return nil }
        let parts = PushUnits.split(left, atomic: unit.isAtomic, batchSize: limit)
        guard parts.allSatisfy({ $0.updates.count < unit.updates.count }) else { return nil }
        return parts
    }
}

/// Limits hosts refused to let a push exceed, learned per URL for the life of the process: refs per
/// push (later pushes there start in batches that size; with `pushBatchSize`, the smaller of the
/// two) and pack sizes (later pushes there are cut under that cap; with `maxPushSize`, the smaller).
package final class PushLimits: Sendable {
    package static let shared = PushLimits()
    private let limits = Mutex<[String: Int]>([:])
    private let sizes = Mutex<[String: Int]>([:])

    package func limit(for url: String) -> Int? { self.limits.withLock { $0[url] } }

    func learn(_ limit: Int, for url: String) {
        self.limits.withLock { $0[url] = min($0[url] ?? .max, limit) }
    }

    /// The pack size the host at `url` was last found to refuse less than, if it refused one.
    package func sizeCap(for url: String) -> Int? { self.sizes.withLock { $0[url] } }

    func learnSizeCap(_ cap: Int, for url: String) {
        self.sizes.withLock { $0[url] = min($0[url] ?? .max, cap) }
    }
}
