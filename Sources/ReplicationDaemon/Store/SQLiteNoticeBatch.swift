package import ReplicationCore

/// How the SQLite store keeps a push's notices: consecutive notices that differ only in their ref
/// and its status (a push's `ref-replicated`, one per ref) share one row, a line per notice
/// (`status<TAB>ref-status<TAB>ref`). A first push of 100,000 refs stored 100,000 rows, each with its
/// URL, half of the time its end took in the store. Each notice keeps an id of its own: a row of
/// `count` notices holds the ids `id - count + 1` through `id`, so cursors (`since=ID`, webhooks)
/// mean what they did.
package enum SQLiteNoticeBatch {
    /// Notices in one row at most: a page read from the middle of one decodes no more than this.
    package static let limit = 1_000

    /// The end (exclusive) of the run of notices starting at `start` that can share its row.
    package static func end(of notices: [ReplicationNotice], from start: Int) -> Int {
        let first = notices[start]
        guard Self.canShareARow(first) else { return start + 1 }
        var end = start + 1
        while end < notices.count, end - start < Self.limit, Self.together(first, notices[end]),
            Self.canShareARow(notices[end])
        {
            end += 1
        }
        return end
    }

    /// The shared row's text for `notices`, which ``end(of:from:)`` found can share it: a line each.
    package static func text(of notices: ArraySlice<ReplicationNotice>) -> String {
        var text = ""
        for notice in notices {
            guard let ref = notice.ref, let status = notice.status, let refStatus = notice.refStatus else { continue }
            if !text.isEmpty { text += "\n" }
            text += status.rawValue
            text += "\t"
            text += refStatus.rawValue
            text += "\t"
            text += ref
        }
        return text
    }

    /// Whether the notice has a ref and statuses to tell it apart in a line, and no line break in
    /// its ref.
    private static func canShareARow(_ notice: ReplicationNotice) -> Bool {
        guard let ref = notice.ref, notice.status != nil, notice.refStatus != nil else { return false }
        return !ref.utf8.contains(UInt8(ascii: "\n"))
    }

    /// The notices of a shared row: `shared` with each line's ref and statuses; `nil` for a line
    /// this version cannot read.
    package static func notices(in lines: String, shared: ReplicationNotice) -> [ReplicationNotice?] {
        lines.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            let fields = line.split(separator: "\t", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3, let status = ReplicationNotice.PushResult(rawValue: String(fields[0])),
                let refStatus = ReplicationNotice.RemoteRefStatus(rawValue: String(fields[1]))
            else { return nil }
            var notice = shared
            notice.ref = String(fields[2])
            notice.status = status
            notice.refStatus = refStatus
            return notice
        }
    }

    private static func together(_ first: ReplicationNotice, _ other: ReplicationNotice) -> Bool {
        first.type == other.type && first.project == other.project && first.targetUri == other.targetUri
            && first.targetNode == other.targetNode && first.nodesCount == other.nodesCount
            && first.eventCreatedOn == other.eventCreatedOn
    }
}
