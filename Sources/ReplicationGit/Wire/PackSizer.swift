import Foundation
import ReplicationCore

/// What a size-capped push asks git about the source repository: how big a pack would be, the
/// first-parent history a ref can step along, and the object that makes a step too big.
struct PackSizer {
    let git: String
    let repositoryPath: String

    /// The stored size of the objects reachable from `wants` and not from `bases` (git's
    /// `rev-list --disk-usage`, 2.31 and later): what a pack of them about weighs.
    func size(of wants: [ObjectID], bases: [ObjectID]) throws(GitError) -> Int {
        guard !wants.isEmpty else { return 0 }
        let output = try self.run(["rev-list", "--objects", "--disk-usage", "--stdin"], revisions: wants, not: bases)
        guard let size = Int(output.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw Self.failure("git rev-list --disk-usage printed '\(output.prefix(80))' (it needs git 2.31 or later)")
        }
        return size
    }

    /// The commits on the first-parent line to `tip` (a tag is peeled) that `bases` do not reach,
    /// oldest first; the last one is `tip`'s commit.
    func firstParentLine(to tip: ObjectID, bases: [ObjectID]) throws(GitError) -> [ObjectID] {
        let output = try self.run(["rev-list", "--first-parent", "--reverse", "--stdin"], revisions: [tip], not: bases)
        return output.split(separator: "\n").compactMap { ObjectID(hex: String($0)) }
    }

    /// The largest object `commit` brings that `bases` do not reach: its id, type and size.
    func largestObject(of commit: ObjectID, bases: [ObjectID]) throws(GitError) -> (ObjectID, String, Int)? {
        let listed = try self.run(
            ["rev-list", "--objects", "--no-object-names", "--stdin"],
            revisions: [commit],
            not: bases
        )
        let ids = Data(listed.utf8)
        let checked = try self.run(
            ["cat-file", "--batch-check=%(objectname) %(objecttype) %(objectsize)"],
            input: ids
        )
        var largest: (ObjectID, String, Int)?
        for line in checked.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count == 3, let id = ObjectID(hex: String(fields[0])), let size = Int(fields[2]) else {
                continue
            }
            if size > largest?.2 ?? -1 { largest = (id, String(fields[1]), size) }
        }
        return largest
    }

    private func run(_ arguments: [String], revisions: [ObjectID], not bases: [ObjectID]) throws(GitError) -> String {
        var input = Data()
        input.reserveCapacity((revisions.count + bases.count) * 42)
        for id in revisions { input.append(contentsOf: Array("\(id.hex)\n".utf8)) }
        for id in bases { input.append(contentsOf: Array("^\(id.hex)\n".utf8)) }
        return try self.run(arguments, input: input)
    }

    private func run(_ arguments: [String], input: Data) throws(GitError) -> String {
        let process = try ChildProcess(
            self.git,
            ["--git-dir=\(self.repositoryPath)"] + arguments,
            input: true,
            errors: true,
            diesWithParent: true
        )
        defer { process.stop(grace: .milliseconds(200)) }
        // Fed from a thread of its own: git writes while it reads, and both pipes have a bottom.
        let feeder = Thread {
            try? process.input?.write(contentsOf: input)
            try? process.input?.close()
        }
        feeder.start()
        let errors = ErrorCollector(process.errors)
        let output = process.output.readDataToEndOfFile()
        process.waitForExit()
        guard process.terminationStatus == 0 else {
            let reason = errors.text.trimmingCharacters(in: .whitespacesAndNewlines)
            throw Self.failure("git \(arguments[0]) failed: \(reason.isEmpty ? "exit status" : reason)")
        }
        return String(decoding: output, as: UTF8.self)
    }

    private static func failure(_ message: String) -> GitError {
        GitError(code: .other, function: "push size", status: -1, message: message)
    }
}
