internal import CLibgit2

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
