internal import CLibgit2
package import ReplicationCore

extension GitRepository {
    /// The text of the file at `path` in the tree `ref` points at (`refs/meta/config`,
    /// `project.config`), or `nil` when the ref or the file does not exist.
    package func file(_ path: String, at ref: String) -> String? {
        var object: OpaquePointer?
        guard git_revparse_single(&object, self.handle, "\(ref):\(path)") == 0, let object else { return nil }
        defer { git_object_free(object) }
        guard git_object_type(object) == GIT_OBJECT_BLOB else { return nil }
        let size = Int(git_blob_rawsize(object))
        guard let content = git_blob_rawcontent(object) else { return size == 0 ? "" : nil }
        return String(decoding: UnsafeRawBufferPointer(start: content, count: size), as: UTF8.self)
    }
}

extension GitRepository {
    /// The object `ref` resolves to, or `nil` when there is no such ref.
    package func id(of ref: String) -> ObjectID? {
        var oid = git_oid()
        guard git_reference_name_to_id(&oid, self.handle, ref) == 0 else { return nil }
        return withUnsafePointer(to: oid) { ObjectID($0) }
    }

    /// The refs whose names match `glob` (`refs/groups/*`), without reading every other ref.
    package func refs(matching glob: String) throws(GitError) -> [String: ObjectID] {
        var iterator: OpaquePointer?
        try check("git_reference_iterator_glob_new", git_reference_iterator_glob_new(&iterator, self.handle, glob))
        defer { git_reference_iterator_free(iterator) }
        var refs: [String: ObjectID] = [:]
        var reference: OpaquePointer?
        while git_reference_next(&reference, iterator) == 0, let current = reference {
            defer { git_reference_free(current) }
            if let target = git_reference_target(current) {
                refs[String(cString: git_reference_name(current))] = ObjectID(target)
            }
        }
        return refs
    }
}
