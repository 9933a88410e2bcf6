internal import CLibgit2
import Foundation

extension GitRepository {
    /// Creates a bare repository at `path` (parents included) whose HEAD points at `head`, as
    /// Gerrit's `LocalFS.createProject` does; `storeRefLog` sets `core.logAllRefUpdates`.
    package static func createBare(at path: String, head: String?, storeRefLog: Bool) throws(GitError) {
        try Self.refuseFileInTheWay(of: path)
        var options = git_repository_init_options()
        try check(
            "git_repository_init_options_init",
            git_repository_init_options_init(&options, UInt32(GIT_REPOSITORY_INIT_OPTIONS_VERSION))
        )
        options.flags = GIT_REPOSITORY_INIT_BARE.rawValue | GIT_REPOSITORY_INIT_MKPATH.rawValue
        var handle: OpaquePointer?
        let status =
            head.map { head in
                head.withCString { initialHead in
                    options.initial_head = initialHead
                    return git_repository_init_ext(&handle, path, &options)
                }
            } ?? git_repository_init_ext(&handle, path, &options)
        try check("git_repository_init_ext", status)
        defer { git_repository_free(handle) }
        var config: OpaquePointer?
        try check("git_repository_config", git_repository_config(&config, handle))
        defer { git_config_free(config) }
        try check("git_config_set_bool", git_config_set_bool(config, "core.logAllRefUpdates", storeRefLog ? 1 : 0))
    }

    /// A regular file where a parent directory must be: no retry makes a directory of it, and
    /// libgit2 would say only "directory exists". A configuration matter (`invalid`: permanent).
    private static func refuseFileInTheWay(of path: String) throws(GitError) {
        var ancestor = URL(fileURLWithPath: path).deletingLastPathComponent()
        while ancestor.path != "/" {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: ancestor.path, isDirectory: &isDirectory) {
                guard isDirectory.boolValue else {
                    throw GitError(
                        code: .invalid,
                        function: "git_repository_init_ext",
                        status: -1,
                        message: "cannot create the repository \(path): \(ancestor.path) is a file, not a directory"
                    )
                }
                return
            }
            ancestor.deleteLastPathComponent()
        }
    }

    /// The branch HEAD points at (`refs/heads/main`), or `nil` when HEAD is detached or missing.
    package var symbolicHead: String? {
        var head: OpaquePointer?
        guard git_reference_lookup(&head, self.handle, "HEAD") == 0, let head else { return nil }
        defer { git_reference_free(head) }
        return git_reference_symbolic_target(head).map { String(cString: $0) }
    }

    /// Points HEAD at `ref` unless it already does; `true` when it moved.
    package func setHead(_ ref: String) throws(GitError) -> Bool {
        var head: OpaquePointer?
        if git_reference_lookup(&head, self.handle, "HEAD") == 0, let head {
            defer { git_reference_free(head) }
            if git_reference_symbolic_target(head).map({ String(cString: $0) }) == ref { return false }
        }
        try check("git_repository_set_head", git_repository_set_head(self.handle, ref))
        return true
    }
}
