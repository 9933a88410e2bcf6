import Foundation
import ReplicationCore

/// Reads a repository's refs from its files (``RefFiles``): loose refs first, then `packed-refs`,
/// the order in which git's own readers never miss a ref that `pack-refs` moves meanwhile (it
/// writes `packed-refs` before it deletes the loose file).
struct RefFilesReader {
    /// The repository's git directory.
    let gitDirectory: String

    /// Whether this reader can read the repository: the files backend, not a linked worktree
    /// (whose refs live in two directories) and not reftable.
    var applies: Bool {
        let manager = FileManager.default
        return !manager.fileExists(atPath: self.gitDirectory + "/commondir")
            && !manager.fileExists(atPath: self.gitDirectory + "/reftable")
    }

    /// Every ref under `refs/`, or `nil` when a file is not in git's format (libgit2 then reads).
    func refs() -> RefTable? {
        var loose: [String: RefFiles.Loose?] = [:]
        self.collectLoose(directory: "refs", into: &loose)
        guard let content = Self.contents(of: self.gitDirectory + "/packed-refs") else {
            return RefFiles.merge(packed: RefTable(), loose: loose)
        }
        guard let packed = content.withUnsafeBufferPointer({ RefFiles.packedRefs($0) }) else { return nil }
        return RefFiles.merge(packed: packed, loose: loose)
    }

    /// The refs among `names` that exist, each read alone: its loose file, else a binary search
    /// of `packed-refs` (no parse of the other lines). `nil` when a file is not in git's format.
    func refs(named names: Set<String>) -> RefTable? {
        var packed: [UInt8]?? = .none
        var builder = RefTable.Builder(capacity: names.count)
        for name in names {
            switch self.lookUp(name, depth: 0, packed: &packed) {
            case .found(let id): builder.append(name, id)
            case .absent: continue
            case .malformed: return nil
            }
        }
        return builder.build()
    }

    /// One ref: the loose file wins (a broken one hides the ref, as in git), a symbolic one is
    /// followed up to five levels.
    private func lookUp(_ name: String, depth: Int, packed: inout [UInt8]??) -> RefFiles.PackedLookup {
        guard depth < 5, name.hasPrefix("refs/"), RefName.problem(with: name) == nil else { return .absent }
        if let bytes = Self.contents(of: self.gitDirectory + "/" + name) {
            switch bytes.withUnsafeBufferPointer({ RefFiles.loose($0) }) {
            case .direct(let id)?: return .found(id)
            case .symbolic(let target)?: return self.lookUp(target, depth: depth + 1, packed: &packed)
            case nil: return .absent
            }
        }
        if case .none = packed { packed = .some(Self.contents(of: self.gitDirectory + "/packed-refs")) }
        guard case .some(let file?) = packed else { return .absent }
        return file.withUnsafeBufferPointer { RefFiles.lookUp(name, inPacked: $0) }
    }

    /// `HEAD`'s content, or `nil` when it cannot be read.
    func head() -> RefFiles.Loose? {
        Self.contents(of: self.gitDirectory + "/HEAD").flatMap { bytes in
            bytes.withUnsafeBufferPointer { RefFiles.loose($0) }
        }
    }

    private func collectLoose(directory: String, into loose: inout [String: RefFiles.Loose?]) {
        guard let stream = opendir(self.gitDirectory + "/" + directory) else { return }
        defer { closedir(stream) }
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard name != ".", name != "..", !name.hasSuffix(".lock") else { continue }
            let path = directory + "/" + name
            if self.isDirectory(entry.pointee.d_type, path: path) {
                self.collectLoose(directory: path, into: &loose)
            } else if RefName.problem(with: path) == nil, let bytes = Self.contents(of: self.gitDirectory + "/" + path)
            {
                // Gone since readdir (git pack-refs deletes loose files after writing packed-refs):
                // not a loose ref, so the packed value stands. Present but unreadable: broken.
                loose[path] = .some(bytes.withUnsafeBufferPointer { RefFiles.loose($0) })
            }
        }
    }

    private func isDirectory(_ type: UInt8, path: String) -> Bool {
        if type == UInt8(DT_DIR) { return true }
        guard type == UInt8(DT_UNKNOWN) else { return false }
        var status = stat()
        return stat(self.gitDirectory + "/" + path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR
    }

    /// The whole file, or `nil` when it does not exist or cannot be read.
    static func contents(of path: String) -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var status = stat()
        // A directory opens too (refs/heads/topic when refs/heads/topic/x exists): not a ref file.
        guard fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else { return nil }
        var bytes = [UInt8](repeating: 0, count: Int(status.st_size))
        var filled = 0
        while filled < bytes.count {
            let count = bytes.withUnsafeMutableBytes { read(descriptor, $0.baseAddress! + filled, $0.count - filled) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            filled += count
        }
        if filled < bytes.count { bytes.removeLast(bytes.count - filled) }
        return bytes
    }
}
