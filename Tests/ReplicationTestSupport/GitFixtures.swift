import Foundation

/// Bare repositories built with the git CLI, for tests that push and list for real.
package enum GitFixtures {
    /// A bare repository at `path` with `refs` (name → commit message); commits form one chain in
    /// the order given, so later refs are descendants of earlier ones.
    @discardableResult
    package static func makeRepository(at path: String, refs: [(String, String)] = []) throws -> [String: String] {
        try Command.git(["init", "-q", "--bare", "-b", "main", path])
        var ids: [String: String] = [:]
        var parent: String?
        let tree = try Command.git(["hash-object", "-t", "tree", "-w", "/dev/null"], in: path)
        for (ref, message) in refs {
            var arguments = ["commit-tree", tree, "-m", message]
            if let parent { arguments += ["-p", parent] }
            let id = try Command.git(arguments, in: path)
            try Command.git(["update-ref", ref, id], in: path)
            ids[ref] = id
            parent = id
        }
        return ids
    }

    /// A new commit (empty tree, no parent) at `ref` in the repository at `path`; its id.
    @discardableResult
    package static func commit(_ ref: String, _ message: String, in path: String) throws -> String {
        let tree = try Command.git(["--git-dir", path, "hash-object", "-t", "tree", "-w", "/dev/null"])
        let commit = try Command.git(["--git-dir", path, "commit-tree", tree, "-m", message])
        try Command.git(["--git-dir", path, "update-ref", ref, commit])
        return commit
    }

    /// `name → id` for every ref, as `git for-each-ref` sees it.
    package static func refs(of path: String) throws -> [String: String] {
        let text = try Command.git(["for-each-ref", "--format=%(refname) %(objectname)"], in: path)
        var refs: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ")
            refs[String(parts[0])] = String(parts[1])
        }
        return refs
    }
}
