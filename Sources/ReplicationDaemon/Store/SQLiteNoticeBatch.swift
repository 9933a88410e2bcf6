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
        guard Self.line(for: first) != nil else { return start + 1 }
        var end = start + 1
        while end < notices.count, end - start < Self.limit, Self.together(first, notices[end]),
            Self.line(for: notices[end]) != nil
        {
            end += 1
        }
        return end
    }

    /// The notice's line in a shared row; `nil` when it has no ref or status to tell it apart, or a
    /// ref with a line break.
    package static func line(for notice: ReplicationNotice) -> String? {
        guard let ref = notice.ref, let status = notice.status, let refStatus = notice.refStatus,
            !ref.utf8.contains(UInt8(ascii: "\n"))
        else { return nil }
        return "\(status.rawValue)\t\(refStatus.rawValue)\t\(ref)"
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
