internal import CLibgit2
package import ReplicationCore

extension GitRepository {
    /// What a change's NoteDb meta history says about its visibility: the newest `Branch:` and
    /// `Private:` footers, walking first parents from `meta` (Gerrit writes `Branch:` when the
    /// change is created or moved). `nil` when `meta` is no commit here.
    package func changeFacts(meta: ObjectID) -> ChangeFacts? {
        var current: OpaquePointer?
        var oid = meta.oid
        guard git_commit_lookup(&current, self.handle, &oid) == 0 else { return nil }
        var branch: String?
        var isPrivate: Bool?
        // A change has as many meta commits as updates; the bound only stops a corrupt loop.
        for _ in 0..<100_000 {
            guard let commit = current else { break }
            let message = git_commit_message(commit).map { String(cString: $0) } ?? ""
            let footers = ChangeFacts.footers(in: message)
            branch = branch ?? footers.branch
            isPrivate = isPrivate ?? footers.isPrivate
            var parent: OpaquePointer?
            let found = branch != nil && isPrivate != nil ? -1 : git_commit_parent(&parent, commit, 0)
            git_commit_free(commit)
            current = found == 0 ? parent : nil
        }
        guard let branch else { return nil }
        return ChangeFacts(branch: branch, isPrivate: isPrivate ?? false)
    }
}
