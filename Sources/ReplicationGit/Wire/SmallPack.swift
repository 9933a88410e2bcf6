internal import CLibgit2
import Foundation
import ReplicationCore

/// The pack for a push from a small repository, built in this process with libgit2's pack builder
/// instead of a `git pack-objects` child. Starting that child costs a few milliseconds of CPU,
/// more than packing a small project's few objects: in a full sync of many small projects it was
/// a process per project beside the mirror's receive-pack.
///
/// Small means: no alternates, at most a limit of bytes stored (packs and loose objects), at most
/// ``commitLimit`` commits and ``objectLimit`` objects to send. Anything else (and anything
/// libgit2 cannot walk) goes to `git pack-objects`, which reuses stored deltas and sends thin
/// packs. libgit2's builder does neither: a pack for a mirror that has objects already (where a
/// thin delta could stand for a whole object) larger than ``thinLimit`` is dropped and made by
/// `git pack-objects` after all.
struct SmallPack {
    static let commitLimit = 64
    static let objectLimit = 2_000
    static let thinLimit = 64 << 10

    let repository: GitRepository

    /// The packer for `repository` when it stores at most `limit` bytes (and has no alternates);
    /// `nil` otherwise, and for a `limit` of zero. Looked at once per push, not once per exchange.
    init?(repository: GitRepository, limit: Int) {
        guard limit > 0, Self.isSmall(repository, limit: limit) else { return nil }
        self.repository = repository
    }

    /// The pack of what `wants` reach and `bases` do not; `nil` when the push is not small.
    func pack(wants: [ObjectID], bases: [ObjectID]) -> [UInt8]? {
        let handle = self.repository.handle
        var builder: OpaquePointer?
        guard git_packbuilder_new(&builder, handle) == 0, let builder else { return nil }
        defer { git_packbuilder_free(builder) }
        git_packbuilder_set_threads(builder, 1)
        var commits: [git_oid] = []
        for want in wants {
            guard self.add(want, to: builder, commits: &commits) else { return nil }
        }
        guard self.fewCommits(from: commits, hiding: bases),
            let walk = self.walk(from: commits, hiding: bases)
        else { return nil }
        defer { git_revwalk_free(walk) }
        guard git_packbuilder_insert_walk(builder, walk) == 0,
            git_packbuilder_object_count(builder) <= Self.objectLimit
        else { return nil }
        var buffer = git_buf()
        defer { git_buf_dispose(&buffer) }
        guard git_packbuilder_write_buf(&buffer, builder) == 0, let bytes = buffer.ptr else { return nil }
        guard bases.isEmpty || buffer.size <= Self.thinLimit else { return nil }
        return bytes.withMemoryRebound(to: UInt8.self, capacity: buffer.size) {
            Array(UnsafeBufferPointer(start: $0, count: buffer.size))
        }
    }

    /// No alternates (their history is not counted here), and at most `limit` bytes in packs and
    /// loose objects (counted until the limit is passed).
    private static func isSmall(_ repository: GitRepository, limit: Int) -> Bool {
        let objects = String(cString: git_repository_commondir(repository.handle)) + "objects"
        guard access(objects + "/info/alternates", F_OK) != 0 else { return false }
        var stored = 0
        for directory in Self.names(in: objects) where directory == "pack" || Self.isFanOut(directory) {
            for name in Self.names(in: objects + "/" + directory) {
                guard directory != "pack" || name.hasSuffix(".pack") else { continue }
                var status = stat()
                guard stat(objects + "/" + directory + "/" + name, &status) == 0 else { return false }
                stored += Int(status.st_size)
                if stored > limit { return false }
            }
        }
        return true
    }

    /// A loose objects' directory: two hex digits.
    private static func isFanOut(_ name: String) -> Bool {
        name.utf8.count == 2 && name.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }
    }

    private static func names(in directory: String) -> [String] {
        guard let stream = opendir(directory) else { return [] }
        defer { closedir(stream) }
        var names: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Adds what `id` names: a commit to walk from, a tag (and what it points at), a tree or a
    /// blob. Tags, trees and blobs are added whole, whether the mirror has them or not.
    private func add(_ id: ObjectID, to builder: OpaquePointer, commits: inout [git_oid]) -> Bool {
        var oid = id.oid
        for _ in 0..<16 {
            var object: OpaquePointer?
            guard git_object_lookup(&object, self.repository.handle, &oid, GIT_OBJECT_ANY) == 0, let object else {
                return false
            }
            defer { git_object_free(object) }
            switch git_object_type(object) {
            case GIT_OBJECT_COMMIT:
                commits.append(oid)
                return true
            case GIT_OBJECT_TREE:
                return git_packbuilder_insert_tree(builder, &oid) == 0
            case GIT_OBJECT_BLOB:
                return git_packbuilder_insert(builder, &oid, nil) == 0
            case GIT_OBJECT_TAG:
                guard git_packbuilder_insert(builder, &oid, nil) == 0, let target = git_tag_target_id(object) else {
                    return false
                }
                oid = target.pointee
            default:
                return false
            }
        }
        return false
    }

    /// Whether the commits to send are at most ``commitLimit`` (walked once to count, stopping
    /// there: a first push of a long history goes to pack-objects after 65 steps).
    private func fewCommits(from commits: [git_oid], hiding bases: [ObjectID]) -> Bool {
        guard let walk = self.walk(from: commits, hiding: bases) else { return false }
        defer { git_revwalk_free(walk) }
        var oid = git_oid()
        var count = 0
        while git_revwalk_next(&oid, walk) == 0 {
            count += 1
            if count > Self.commitLimit { return false }
        }
        return true
    }

    /// A walk from `commits` that leaves out what the bases reach (a base that is no commit, or
    /// that this repository lacks, hides nothing).
    private func walk(from commits: [git_oid], hiding bases: [ObjectID]) -> OpaquePointer? {
        var walk: OpaquePointer?
        guard git_revwalk_new(&walk, self.repository.handle) == 0, let walk else { return nil }
        for var commit in commits where git_revwalk_push(walk, &commit) != 0 {
            git_revwalk_free(walk)
            return nil
        }
        for base in bases {
            var oid = base.oid
            _ = git_revwalk_hide(walk, &oid)
        }
        return walk
    }
}
