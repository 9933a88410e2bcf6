import PropertyBased
import Testing

@testable import ReplicationCore

struct PktLineTests {
    @Test func encodesLengthsAsFourHexDigitsIncludingThemselves() {
        #expect(PktLine.text("unpack ok").encoded == Array("000eunpack ok\n".utf8))
        #expect(PktLine.flush.encoded == Array("0000".utf8))
        #expect(Array(PktLine.data([UInt8](repeating: 65, count: 65_516)).encoded.prefix(4)) == Array("fff0".utf8))
    }

    @Test func decodesWhateverWayTheBytesArrive() throws {
        let stream = RecordedExchanges.advertisement
        for chunk in [1, 2, 3, 7, 64, stream.count] {
            var decoder = PktLineDecoder()
            var lines: [PktLine] = []
            var offset = 0
            while offset < stream.count {
                decoder.append(stream[offset..<min(offset + chunk, stream.count)])
                offset += chunk
                while let line = try decoder.next() { lines.append(line) }
            }
            #expect(lines.count == 3, "chunks of \(chunk)")
            #expect(lines.last == .flush)
            #expect(decoder.pendingByteCount == 0)
        }
    }

    @Test(arguments: ["zzzz", "0003", "fff1abc"])
    func refusesLengthsThatAreNotTheProtocol(_ text: String) {
        var decoder = PktLineDecoder()
        decoder.append(Array(text.utf8))
        #expect(throws: WireError.self) { try decoder.next() }
    }
}

struct SendPackMachineTests {
    typealias Recorded = RecordedExchanges

    @Test func readsRefsAndCapabilitiesFromARealAdvertisement() throws {
        var machine = SendPackMachine()
        let outputs = try machine.receive(Recorded.advertisement)
        guard case .advertised(let advertisement)? = outputs.first else { Issue.record("\(outputs)"); return }
        #expect(
            advertisement.refs == [
                "refs/heads/dev": ObjectID(hex: Recorded.dev)!, "refs/heads/main": ObjectID(hex: Recorded.main)!,
            ]
        )
        #expect(advertisement.capabilities.contains("atomic"))
        #expect(advertisement.capabilities["agent"] == "git/2.39.5")
        #expect(!advertisement.capabilities.contains("push-options"))
    }

    @Test func anEmptyRepositoryAdvertisesCapabilitiesOnly() throws {
        var machine = SendPackMachine()
        let outputs = try machine.receive(Recorded.emptyRepositoryAdvertisement)
        guard case .advertised(let advertisement)? = outputs.first else { Issue.record("\(outputs)"); return }
        #expect(advertisement.refs.isEmpty)
        #expect(advertisement.capabilities.contains("push-options"))
    }

    @Test func asksForWhatTheServerOffersAndNamesTheOldIds() throws {
        var machine = SendPackMachine()
        _ = try machine.receive(Recorded.advertisement)
        let zero = String(repeating: "0", count: 40)
        let request = PushRequest(
            commands: [
                PushCommand(
                    ref: "refs/heads/dev",
                    oldID: ObjectID(hex: Recorded.dev),
                    newID: ObjectID(hex: Recorded.main)
                ),
                PushCommand(ref: "refs/heads/gone", oldID: ObjectID(hex: Recorded.main), newID: nil),
            ],
            atomic: true
        )
        let bytes = try machine.request(request)
        let expected =
            "\(Recorded.dev) \(Recorded.main) refs/heads/dev\0report-status-v2 side-band-64k quiet atomic ofs-delta agent=replicator\n"
        #expect(
            bytes == PktLine.text(expected.dropLast().description).encoded
                + PktLine.text("\(Recorded.main) \(zero) refs/heads/gone").encoded + PktLine.flush.encoded
        )
        #expect(request.sendsPack)
        #expect(!PushRequest(commands: [request.commands[1]]).sendsPack, "deletions only: no pack")
    }

    @Test func pushOptionsAndAtomicAreRefusedWhenNotOffered() throws {
        var machine = SendPackMachine()
        _ = try machine.receive(Recorded.advertisement)
        let command = PushCommand(ref: "refs/heads/x", oldID: nil, newID: ObjectID(hex: Recorded.main))
        #expect(throws: WireError.self) { try machine.request(PushRequest(commands: [command], options: ["a"])) }
        var plain = SendPackMachine()
        let advertisement = PktLine.text("\(Recorded.main) refs/heads/main\0report-status delete-refs")
        _ = try plain.receive(advertisement.encoded + PktLine.flush.encoded)
        #expect(throws: WireError.self) { try plain.request(PushRequest(commands: [command], atomic: true)) }
    }

    @Test func readsARealSideBandReportInAnyChunking() throws {
        for chunk in [1, 5, 19, 1000] {
            var machine = try Self.machineAwaitingReport()
            var outputs: [SendPackMachine.Output] = []
            var offset = 0
            let report = Recorded.sideBandReport
            while offset < report.count {
                outputs += try machine.receive(report[offset..<min(offset + chunk, report.count)])
                offset += chunk
            }
            try machine.receiveEnd()
            let messages = outputs.compactMap { if case .serverMessage(let text) = $0 { text } else { nil } }
            #expect(messages.joined().contains("no dev branches here"))
            #expect(
                outputs.last
                    == .finished(ReportStatus(refs: ["refs/heads/dev": "hook declined", "refs/heads/topic": nil]))
            )
        }
    }

    /// Hooks that run after the report (post-receive) write on side-band 2 until the server closes.
    @Test func messagesAfterTheReportAreKept() throws {
        var machine = try Self.machineAwaitingReport()
        let report =
            PktLine.text("unpack ok").encoded + PktLine.text("ok refs/heads/topic").encoded + PktLine.flush.encoded
        let after = PktLine.data([2] + Array("post-receive ran\n".utf8)).encoded + PktLine.flush.encoded
        let outputs = try machine.receive(PktLine.data([1] + report).encoded + after)
        #expect(
            outputs == [.finished(ReportStatus(refs: ["refs/heads/topic": nil])), .serverMessage("post-receive ran\n")]
        )
        #expect(machine.isFinished)
        try machine.receiveEnd()
    }

    @Test func aFatalSideBandMessageIsTheServersError() throws {
        var machine = try Self.machineAwaitingReport()
        let fatal = PktLine.data([3] + Array("fatal: the disk is full\n".utf8)).encoded
        #expect(throws: WireError(.serverError, "fatal: the disk is full")) { try machine.receive(fatal) }
    }

    @Test func aConnectionCutShortIsTruncatedNotAHang() throws {
        var machine = try Self.machineAwaitingReport()
        _ = try machine.receive(Recorded.sideBandReport.prefix(60))
        #expect(throws: WireError.self) { try machine.receiveEnd() }
        #expect(throws: WireError.self) { try SendPackMachine().receiveEnd() }
    }

    @Test func anUnpackFailureIsReported() throws {
        var machine = try Self.machineAwaitingReport()
        let inner =
            PktLine.text("unpack index-pack abnormal exit").encoded
            + PktLine.text("ng refs/heads/x unpacker error").encoded + PktLine.flush.encoded
        let outputs = try machine.receive(PktLine.data([1] + inner).encoded)
        #expect(
            outputs == [
                .finished(
                    ReportStatus(unpackError: "index-pack abnormal exit", refs: ["refs/heads/x": "unpacker error"])
                )
            ]
        )
    }

    /// receive-pack reports in command order, which the report matches by position; a report in
    /// another order, with refs missing, repeated or never sent, says the same as one read by name.
    @Test func aReportInAnyOrderSaysWhatItsLinesSaid() async {
        let names = (0..<6).map { "refs/heads/b\($0)" }
        let lines = zip(Gen.element(of: names + ["refs/heads/unsent"]), Gen.bool).array(of: 0...8)
        await propertyCheck(count: 400, input: lines, Gen.bool) { lines, ordered in
            let lines = lines.map { ($0.0!, $0.1) }
            let reported = ordered ? lines.sorted { $0.0 < $1.0 } : lines
            var reader = ReportStatus.Reader(commands: names)
            var byName: [String: String?] = [:]
            #expect(try reader.take(.text("unpack ok")) == nil)
            for (ref, ok) in reported {
                #expect(try reader.take(.text(ok ? "ok \(ref)" : "ng \(ref) hook declined")) == nil)
                byName[ref] = ok ? .some(nil) : .some("hook declined")
            }
            let report = try #require(try reader.take(.flush))
            #expect(report == ReportStatus(refs: byName))
            for (index, name) in names.enumerated() {
                #expect(report.said(about: name, at: index) == byName[name], "\(reported) \(name)")
            }
        }
    }

    @Test func anErrLineInTheAdvertisementIsTheServersMessage() {
        var machine = SendPackMachine()
        #expect(throws: WireError(.serverError, "access denied")) {
            try machine.receive(PktLine.text("ERR access denied").encoded)
        }
    }

    /// Fuzz: random bytes, and the recorded exchange with bytes flipped, cut or repeated, end in an
    /// advertisement, a report or a ``WireError``; never a trap.
    @Test func malformedAnswersAreErrorsNeverCrashes() async {
        let recorded = Recorded.advertisement + Recorded.sideBandReport
        let edits = Gen.int(in: 0...(recorded.count - 1)).array(of: 0...6)
        await propertyCheck(count: 600, input: Gen.uint8().array(of: 0...300), edits, Gen.uint8()) {
            noise,
            positions,
            value in
            for stream in [noise, Self.mutate(recorded, at: positions, to: value)] {
                var machine = SendPackMachine()
                do {
                    let outputs = try machine.receive(stream)
                    if case .advertised? = outputs.first {
                        let command = PushCommand(ref: "refs/heads/x", oldID: nil, newID: ObjectID(hex: Recorded.main))
                        _ = try machine.request(PushRequest(commands: [command]))
                        _ = try machine.receive(stream.dropFirst(Recorded.advertisement.count))
                    }
                    try machine.receiveEnd()
                } catch {
                    #expect((error as? WireError)?.message.isEmpty == false, "\(error)")
                }
            }
        }
    }

    private static func mutate(_ bytes: [UInt8], at positions: [Int], to value: UInt8) -> [UInt8] {
        var copy = bytes
        for position in positions where position < copy.count { copy[position] = value }
        if let cut = positions.first, positions.count.isMultiple(of: 2) { copy = Array(copy.prefix(cut)) }
        return copy
    }

    static func machineAwaitingReport() throws -> SendPackMachine {
        var machine = SendPackMachine()
        _ = try machine.receive(Recorded.advertisement)
        let command = PushCommand(ref: "refs/heads/topic", oldID: nil, newID: ObjectID(hex: Recorded.main))
        _ = try machine.request(PushRequest(commands: [command]))
        return machine
    }
}

struct PushUnitsTests {
    static func update(_ ref: String) -> RefUpdate {
        RefUpdate(
            action: .create,
            source: ref,
            destination: ref,
            oldID: nil,
            newID: ObjectID(hex: RecordedExchanges.main),
            isForced: true
        )
    }

    @Test func namesTheChangeOfAChangeRef() {
        #expect(PushUnits.change(of: "refs/changes/34/1234/meta") == "refs/changes/34/1234")
        #expect(PushUnits.change(of: "refs/changes/34/1234/5") == "refs/changes/34/1234")
        #expect(PushUnits.change(of: "refs/changes/34/1234/") == nil)
        #expect(PushUnits.change(of: "refs/changes/34/1234") == nil)
        #expect(PushUnits.change(of: "refs/heads/main") == nil)
    }

    /// Without a batch size everything is one non-atomic push in the plan's order, unless atomic
    /// changes are asked for and a change has several refs.
    @Test func withoutABatchSizeEverythingIsOnePushInPlanOrder() {
        let loose = ["refs/heads/b", "refs/changes/01/1/1", "refs/heads/a", "refs/changes/02/2/1", "refs/tags/t"]
        for atomic in [false, true] {
            let units = PushUnits.split(loose.map(Self.update), atomic: atomic, batchSize: 0)
            #expect(units.map { $0.updates.map(\.destination) } == [loose])
            #expect(units.map(\.isAtomic) == [false])
        }
        let change = loose + ["refs/changes/01/1/meta"]
        let plain = PushUnits.split(change.map(Self.update), atomic: false, batchSize: 0)
        #expect(plain.map { $0.updates.map(\.destination) } == [change])
        let atomic = PushUnits.split(change.map(Self.update), atomic: true, batchSize: 0)
        #expect(atomic.map(\.isAtomic) == [false, true])
        #expect(atomic.last?.updates.map(\.destination) == ["refs/changes/01/1/1", "refs/changes/01/1/meta"])
        #expect(PushUnits.split([], atomic: true, batchSize: 0).isEmpty)
    }

    /// Whether a change has several refs decides atomic units; sorted lists are checked by
    /// comparing neighbours, any other order with a set: both agree with counting per change.
    @Test func findsAChangeOfSeveralRefsInAnyOrder() async {
        let names = [
            "refs/changes/01/1/1", "refs/changes/01/1/meta", "refs/changes/01/10/1", "refs/changes/01/1",
            "refs/heads/a",
            "refs/changes/02/2/1", "refs/changes/02/2/2", "refs/changes/01/11/1", "refs/heads/1/1", "refs/tags/t",
        ]
        let refs = Gen.element(of: names).array(of: 0...8)
        await propertyCheck(count: 400, input: refs, Gen.bool) { picked, sorted in
            let distinct = Array(Set(picked.compactMap { $0 }))
            let list = sorted ? distinct.sorted() : distinct
            let perChange = Dictionary(grouping: list.compactMap { PushUnits.change(of: $0) }, by: { $0 })
            let expected = perChange.values.contains { $0.count > 1 }
            let units = PushUnits.split(list.map(Self.update), atomic: true, batchSize: 0)
            #expect(units.contains(where: \.isAtomic) == expected, "\(list)")
            #expect(units.flatMap(\.updates).count == list.count)
        }
    }

    static func deletion(_ ref: String) -> RefUpdate {
        RefUpdate.deletion(of: ref, at: ObjectID(hex: RecordedExchanges.main)!, isForced: true)
    }

    /// Enough deletions go first, atomically and on their own; a change goes with them only when
    /// all of it is deleted; fewer deletions, or no atomic, leave the split as it was.
    @Test func manyDeletionsGoFirstInAnAtomicUnitOfTheirOwn() {
        let deleted = (0..<PushUnits.deletionBatchMinimum).map { Self.deletion("refs/heads/gone\($0)") }
        let wholeChange = [Self.deletion("refs/changes/03/3/1"), Self.deletion("refs/changes/03/3/meta")]
        let halfChange = [Self.deletion("refs/changes/04/4/1"), Self.update("refs/changes/04/4/meta")]
        let kept = [Self.update("refs/heads/a")] + halfChange + [Self.update("refs/tags/t")]
        let plan = [kept[0]] + deleted + wholeChange + Array(kept[1...])
        let units = PushUnits.split(plan, atomic: true, batchSize: 0, batchingDeletions: true)
        #expect(units.map(\.isDeletionBatch) == [true, false, false])
        #expect(units.first?.updates == deleted + wholeChange)
        #expect(units.first?.isAtomic == true)
        #expect(
            Array(units.dropFirst().flatMap(\.updates)).sorted { $0.destination < $1.destination }
                == kept.sorted { $0.destination < $1.destination }
        )
        #expect(units.dropFirst().allSatisfy { !$0.isDeletionBatch })
        #expect(units.dropFirst().contains { $0.isAtomic && $0.updates == halfChange }, "a change is never split")

        let few = [kept[0]] + deleted.dropLast()
        #expect(
            PushUnits.split(few, atomic: true, batchSize: 0, batchingDeletions: true).map(\.updates) == [few]
        )
        for (atomic, batching) in [(false, true), (true, false)] {
            let units = PushUnits.split(plan, atomic: atomic, batchSize: 0, batchingDeletions: batching)
            #expect(units.allSatisfy { !$0.isDeletionBatch })
            #expect(units.flatMap(\.updates).count == plan.count)
        }
        let batched = PushUnits.split(deleted + wholeChange, atomic: true, batchSize: 5, batchingDeletions: true)
        #expect(batched.allSatisfy { $0.isDeletionBatch && $0.updates.count <= 5 })
        #expect(batched.flatMap(\.updates) == deleted + wholeChange)
    }

    /// Batches never split a change; changes with several refs go atomic, the rest does not.
    @Test func keepsAChangeTogetherAcrossBatches() {
        let refs = [
            "refs/heads/a", "refs/changes/01/1/1", "refs/heads/b", "refs/changes/01/1/meta", "refs/changes/02/2/1",
        ]
        let units = PushUnits.split(refs.map(Self.update), atomic: true, batchSize: 2)
        #expect(
            units.map { $0.updates.map(\.destination) } == [
                ["refs/heads/a", "refs/heads/b"], ["refs/changes/02/2/1"],
                ["refs/changes/01/1/1", "refs/changes/01/1/meta"],
            ]
        )
        #expect(units.map(\.isAtomic) == [false, false, true])
        let plain = PushUnits.split(refs.map(Self.update), atomic: false, batchSize: 2)
        #expect(plain.allSatisfy { !$0.isAtomic })
        #expect(
            plain.contains {
                $0.updates.map(\.destination) == ["refs/heads/a", "refs/changes/01/1/1", "refs/changes/01/1/meta"]
            } == false
        )
        #expect(
            plain.contains {
                Set($0.updates.map(\.destination)).isSuperset(of: ["refs/changes/01/1/1", "refs/changes/01/1/meta"])
            }
        )
    }
}
