extension UpdatePlan {
    /// The updates split into pushes of at most `size` refs (`pushBatchSize`; 0 = one push). A
    /// change's refs (`refs/changes/XX/N/…`, its `meta` ref included) always share a batch, even if
    /// that batch then exceeds `size`.
    package func batches(size: Int) -> [[RefUpdate]] {
        guard size > 0, self.updates.count > size else { return self.updates.isEmpty ? [] : [self.updates] }
        var groups: [[RefUpdate]] = []
        var groupIndex: [String: Int] = [:]
        for update in self.updates {
            guard let change = Self.changePrefix(of: update.destination) else {
                groups.append([update])
                continue
            }
            if let index = groupIndex[change] {
                groups[index].append(update)
            } else {
                groupIndex[change] = groups.count
                groups.append([update])
            }
        }
        var batches: [[RefUpdate]] = []
        for group in groups {
            if let last = batches.last, last.count + group.count <= size {
                batches[batches.count - 1] += group
            } else {
                batches.append(group)
            }
        }
        return batches
    }

    /// `refs/changes/34/1234/` for `refs/changes/34/1234/1` and `refs/changes/34/1234/meta`.
    private static func changePrefix(of ref: String) -> String? {
        let parts = ref.split(separator: "/", maxSplits: 4, omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0] == "refs", parts[1] == "changes" else { return nil }
        return parts[0...3].joined(separator: "/") + "/"
    }
}
