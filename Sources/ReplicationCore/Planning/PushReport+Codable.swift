/// Compact form for the worker's output and the store (`start --wait` reads it back): results are
/// statuses aligned with `plan.updates` (every update has exactly one result, in plan order), with
/// messages only where there is one; a result does not repeat its update; the updates are one text
/// of a line each (``UpdateLines``), not a JSON object each. 100k refs: 11 MB of JSON, and a heap
/// peak of a few MB to encode or decode it instead of about 45 MB.
extension PushReport: Codable {
    private enum Keys: String, CodingKey {
        case plan, updates, statuses, messages, serverMessages, bytesSent, createdRepository, failure, updatedHead
        case removedStaleLocks
    }

    package func encode(to encoder: any Encoder) throws {
        precondition(self.results.count == self.plan.updates.count, "one result per planned update, in plan order")
        var container = encoder.container(keyedBy: Keys.self)
        var plan = self.plan
        plan.updates = []
        try container.encode(plan, forKey: .plan)
        try container.encode(UpdateLines.text(of: self.plan.updates), forKey: .updates)
        try container.encode(self.results.map(\.status.rawValue).joined(separator: ","), forKey: .statuses)
        var messages: [String: String] = [:]
        for (index, result) in self.results.enumerated() where result.message != nil {
            messages["\(index)"] = result.message
        }
        try container.encode(messages, forKey: .messages)
        try container.encode(self.serverMessages, forKey: .serverMessages)
        try container.encode(self.bytesSent, forKey: .bytesSent)
        try container.encode(self.createdRepository, forKey: .createdRepository)
        try container.encodeIfPresent(self.failure, forKey: .failure)
        try container.encodeIfPresent(self.updatedHead, forKey: .updatedHead)
        if !self.removedStaleLocks.isEmpty { try container.encode(self.removedStaleLocks, forKey: .removedStaleLocks) }
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        var plan = try container.decode(UpdatePlan.self, forKey: .plan)
        // Outcomes stored by an earlier release carry their updates inside the plan.
        if let lines = try container.decodeIfPresent(String.self, forKey: .updates) {
            guard let updates = UpdateLines.updates(in: lines) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .updates,
                    in: container,
                    debugDescription: "an update line is not action, forced, destination, source, old, new"
                )
            }
            plan.updates = updates
        }
        let text = try container.decode(String.self, forKey: .statuses)
        let statuses = text.isEmpty ? [] : text.split(separator: ",").map { RefResult.Status(rawValue: String($0)) }
        let messages = try container.decode([String: String].self, forKey: .messages)
        guard statuses.count == plan.updates.count, !statuses.contains(nil) else {
            throw DecodingError.dataCorruptedError(
                forKey: .statuses,
                in: container,
                debugDescription: "one status per update"
            )
        }
        self.init(
            plan: plan,
            results: zip(plan.updates, statuses).enumerated().map { index, pair in
                RefResult(update: pair.0, status: pair.1!, message: messages["\(index)"])
            },
            serverMessages: try container.decode(String.self, forKey: .serverMessages),
            bytesSent: try container.decode(Int.self, forKey: .bytesSent),
            createdRepository: try container.decode(Bool.self, forKey: .createdRepository),
            failure: try container.decodeIfPresent(String.self, forKey: .failure)
        )
        self.updatedHead = try container.decodeIfPresent(String.self, forKey: .updatedHead)
        self.removedStaleLocks = try container.decodeIfPresent([String].self, forKey: .removedStaleLocks) ?? []
    }
}

/// Ref updates as text, a line each: `action TAB forced TAB destination TAB source TAB old TAB new
/// TAB reason`, where source is empty for none, `=` when it is the destination and `:` before any
/// other name, ids are empty when absent, and the reason (our own text) has its tabs, newlines and
/// backslashes escaped. Ref names hold no control characters (git-check-ref-format), so they need
/// no escaping.
package enum UpdateLines {
    package static func text(of updates: [RefUpdate]) -> String {
        var text = ""
        text.reserveCapacity(updates.count * 110)
        for update in updates {
            text += update.action.rawValue
            text += update.isForced ? "\t1\t" : "\t0\t"
            text += update.destination
            text += "\t"
            text += update.source.map { $0 == update.destination ? "=" : ":" + $0 } ?? ""
            text += "\t"
            text += update.oldID?.hex ?? ""
            text += "\t"
            text += update.newID?.hex ?? ""
            text += "\t"
            text += update.reason.map(Self.escaped) ?? ""
            text += "\n"
        }
        return text
    }

    /// The updates `text` lists, or `nil` when a line is not in this form.
    package static func updates(in text: String) -> [RefUpdate]? {
        var updates: [RefUpdate] = []
        for line in text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
            let fields = line.split(separator: UInt8(ascii: "\t"), omittingEmptySubsequences: false)
            guard fields.count == 7, let action = RefUpdate.Action(rawValue: String(decoding: fields[0], as: UTF8.self))
            else { return nil }
            let destination = String(decoding: fields[2], as: UTF8.self)
            let source = String(decoding: fields[3], as: UTF8.self)
            guard source.isEmpty || source == "=" || source.hasPrefix(":") else { return nil }
            guard let old = Self.id(fields[4]), let new = Self.id(fields[5]) else { return nil }
            let reason = String(decoding: fields[6], as: UTF8.self)
            updates.append(
                RefUpdate(
                    action: action,
                    source: source.isEmpty ? nil : source == "=" ? destination : String(source.dropFirst()),
                    destination: destination,
                    oldID: old,
                    newID: new,
                    isForced: fields[1].elementsEqual("1".utf8),
                    reason: reason.isEmpty ? nil : Self.unescaped(reason)
                )
            )
        }
        return updates
    }

    /// `.some(nil)` for an empty field, `nil` for one that is not an id.
    private static func id(_ field: Substring.UTF8View) -> ObjectID?? {
        guard !field.isEmpty else { return .some(nil) }
        let id = Array(field).withUnsafeBufferPointer { ObjectID(hexDigits: $0) }
        return id.map { .some($0) }
    }

    private static func escaped(_ text: String) -> String {
        text.replacing("\\", with: "\\\\").replacing("\t", with: "\\t").replacing("\n", with: "\\n")
    }

    private static func unescaped(_ text: String) -> String {
        var result = ""
        var escaping = false
        for character in text {
            if escaping {
                result.append(character == "t" ? "\t" : character == "n" ? "\n" : character)
                escaping = false
            } else if character == "\\" {
                escaping = true
            } else {
                result.append(character)
            }
        }
        return result
    }
}
