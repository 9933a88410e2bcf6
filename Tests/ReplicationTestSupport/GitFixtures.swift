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

    /// A commit at `ref` whose tree holds exactly `files` (name → text), on top of the ref's current
    /// commit if it has one: how Gerrit's `refs/meta/config` and NoteDb refs are written.
    @discardableResult
    package static func commit(
        files: [String: String],
        to ref: String,
        message: String = "update",
        in path: String
    ) throws -> String {
        var entries: [String] = []
        for (name, text) in files.sorted(by: { $0.key < $1.key }) {
            let blob = try self.stdout(
                Command.run("git", ["--git-dir", path, "hash-object", "-w", "--stdin"], input: text)
            )
            entries.append("100644 blob \(blob)\t\(name)")
        }
        let listing = entries.map { $0 + "\n" }.joined()  // an empty tree is an empty listing
        let tree = try self.stdout(Command.run("git", ["--git-dir", path, "mktree"], input: listing))
        var arguments = ["--git-dir", path, "commit-tree", tree, "-m", message]
        if let parent = try? Command.git(["--git-dir", path, "rev-parse", "--verify", "-q", ref]) {
            arguments += ["-p", parent]
        }
        let commit = try Command.git(arguments)
        try Command.git(["--git-dir", path, "update-ref", ref, commit])
        return commit
    }

    private static func stdout(_ output: Command.Output) throws -> String {
        guard output.status == 0 else { throw Command.Failure(description: output.standardError) }
        return output.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// An executable hook `name` in the repository at `repository`.
    package static func installHook(_ script: String, named name: String, in repository: String) throws {
        let hook = repository + "/hooks/" + name
        try Command.writeExecutable(script, to: hook)
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
