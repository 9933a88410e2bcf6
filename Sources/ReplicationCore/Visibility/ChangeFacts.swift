/// What decides whether a change's refs are visible (Gerrit's `ChangeControl.isVisible`): its
/// destination branch and whether it is private, from its NoteDb meta ref.
package struct ChangeFacts: Hashable, Sendable {
    package var branch: String
    package var isPrivate: Bool

    package init(branch: String, isPrivate: Bool) {
        self.branch = branch
        self.isPrivate = isPrivate
    }

    /// The `Branch:` and `Private:` footers of one NoteDb commit message.
    package static func footers(in message: String) -> (branch: String?, isPrivate: Bool?) {
        var branch: String?
        var isPrivate: Bool?
        for line in message.split(whereSeparator: \.isNewline) {
            if line.hasPrefix("Branch:") {
                let value = line.dropFirst("Branch:".count).trimmingConfigWhitespace()
                branch = value.hasPrefix("refs/") ? value : "refs/heads/\(value)"
            } else if line.hasPrefix("Private:") {
                isPrivate = line.dropFirst("Private:".count).trimmingConfigWhitespace().lowercased() == "true"
            }
        }
        return (branch, isPrivate)
    }

    /// The change number of a change ref (`refs/changes/45/12345/1`, `…/meta`), else `nil`.
    package static func changeNumber(of ref: String) -> Int? {
        let parts = ref.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count >= 4, parts[0] == "refs", parts[1] == "changes", let number = Int(parts[3]), number > 0,
            parts[2] == Substring(Self.shard(number))
        else { return nil }
        return number
    }

    /// `refs/changes/45/12345/meta` for change 12345.
    package static func metaRef(of number: Int) -> String {
        "refs/changes/\(Self.shard(number))/\(number)/meta"
    }

    private static func shard(_ number: Int) -> String {
        let last = number % 100
        return last < 10 ? "0\(last)" : "\(last)"
    }
}
