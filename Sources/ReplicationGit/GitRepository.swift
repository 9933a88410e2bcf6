internal import CLibgit2
package import ReplicationCore

/// The refs of a repository: every ref under `refs/` with its target (symbolic refs resolved), plus
/// `HEAD` when it resolves.
package struct RepositoryRefs: Sendable {
    package var refs: RefTable
    /// What `HEAD` points at (`refs/heads/main`), or `nil` when it is detached or missing.
    package var headTarget: String?

    package init(refs: RefTable, headTarget: String?) {
        self.refs = refs
        self.headTarget = headTarget
    }
}

/// An open repository. Not Sendable: libgit2 handles are used from one thread at a time.
package final class GitRepository {
    let handle: OpaquePointer
    package let path: String

    /// Opens the repository at exactly `path` (no search upwards).
    package init(path: String) throws(GitError) {
        var handle: OpaquePointer?
        try check(
            "git_repository_open_ext",
            git_repository_open_ext(&handle, path, GIT_REPOSITORY_OPEN_NO_SEARCH.rawValue, nil)
        )
        self.handle = handle!
        self.path = path
    }

    deinit { git_repository_free(self.handle) }

    /// Every ref, packed and loose; symbolic refs are resolved, unresolvable ones left out. Read from
    /// the ref files directly (``RefFilesReader``) where the repository uses git's files backend;
    /// libgit2 reads the others.
    package func readRefs() throws(GitError) -> RepositoryRefs {
        let files = RefFilesReader(gitDirectory: String(cString: git_repository_path(self.handle)))
        guard files.applies, let refs = files.refs() else { return try self.readRefsWithLibgit2() }
        return Self.adding(head: files.head(), to: refs, resolvedIn: refs)
    }

    /// The refs among `names` that exist, and HEAD as ``readRefs()`` gives it, reading only those
    /// refs' files where the repository uses git's files backend (an event's push into a
    /// repository of a million refs reads a few).
    package func readRefs(named names: Set<String>) throws(GitError) -> RepositoryRefs {
        let files = RefFilesReader(gitDirectory: String(cString: git_repository_path(self.handle)))
        let head = files.head()
        var wanted = names
        if case .symbolic(let target) = head { wanted.insert(target) }
        guard files.applies, let found = files.refs(named: wanted) else {
            let all = try self.readRefsWithLibgit2()
            var refs = RefTable.Builder(capacity: names.count)
            for name in names.union(["HEAD"]) { if let id = all.refs[name] { refs.append(name, id) } }
            return RepositoryRefs(refs: refs.build(), headTarget: all.headTarget)
        }
        var refs = found
        for name in wanted.subtracting(names) { refs = refs.removing(name) }
        return Self.adding(head: head, to: refs, resolvedIn: found)
    }

    /// `refs` with `HEAD` as the file `head` says: its target's id (looked up in `resolved`) and
    /// the target's name, or a detached id.
    private static func adding(head: RefFiles.Loose?, to refs: RefTable, resolvedIn resolved: RefTable)
        -> RepositoryRefs
    {
        switch head {
        case .symbolic(let target):
            guard let id = resolved[target] else { return RepositoryRefs(refs: refs, headTarget: target) }
            return RepositoryRefs(refs: refs.setting("HEAD", to: id), headTarget: target)
        case .direct(let id):
            return RepositoryRefs(refs: refs.setting("HEAD", to: id), headTarget: nil)
        case nil:
            return RepositoryRefs(refs: refs, headTarget: nil)
        }
    }

    private func readRefsWithLibgit2() throws(GitError) -> RepositoryRefs {
        var refs = RefTable.Builder()
        var iterator: OpaquePointer?
        try check("git_reference_iterator_new", git_reference_iterator_new(&iterator, self.handle))
        defer { git_reference_iterator_free(iterator) }
        var reference: OpaquePointer?
        while git_reference_next(&reference, iterator) == 0, let current = reference {
            defer { git_reference_free(current) }
            if let id = Self.resolvedID(of: current) {
                refs.append(String(cString: git_reference_name(current)), id)
            }
        }
        var headTarget: String?
        var head: OpaquePointer?
        if git_reference_lookup(&head, self.handle, "HEAD") == 0, let head {
            defer { git_reference_free(head) }
            headTarget = git_reference_symbolic_target(head).map { String(cString: $0) }
            if let id = Self.resolvedID(of: head) { refs.append("HEAD", id) }
        }
        return RepositoryRefs(refs: refs.build(), headTarget: headTarget)
    }

    private static func resolvedID(of reference: OpaquePointer) -> ObjectID? {
        if git_reference_type(reference) == GIT_REFERENCE_DIRECT {
            return git_reference_target(reference).map { ObjectID($0) }
        }
        var resolved: OpaquePointer?
        guard git_reference_resolve(&resolved, reference) == 0, let resolved else { return nil }
        defer { git_reference_free(resolved) }
        return git_reference_target(resolved).map { ObjectID($0) }
    }

    /// Whether updating a ref from `old` to `new` is a fast-forward; `nil` when `old` is not in
    /// this repository, so nobody can tell without fetching it.
    package func isFastForward(from old: ObjectID, to new: ObjectID) -> Bool? {
        var oldOID = old.oid
        var newOID = new.oid
        guard Self.exists(&oldOID, in: self.handle) else { return nil }
        if old == new { return true }
        let result = git_graph_descendant_of(self.handle, &newOID, &oldOID)
        return result < 0 ? nil : result == 1
    }

    /// Those of `ids` whose objects this repository has (one object database lookup each).
    package func existing(_ ids: some Sequence<ObjectID>) -> [ObjectID] {
        var odb: OpaquePointer?
        guard git_repository_odb(&odb, self.handle) == 0 else { return [] }
        defer { git_odb_free(odb) }
        return ids.filter { id in
            var oid = id.oid
            return git_odb_exists(odb, &oid) == 1
        }
    }

    private static func exists(_ oid: inout git_oid, in repository: OpaquePointer) -> Bool {
        var odb: OpaquePointer?
        guard git_repository_odb(&odb, repository) == 0 else { return false }
        defer { git_odb_free(odb) }
        return git_odb_exists(odb, &oid) == 1
    }
}
