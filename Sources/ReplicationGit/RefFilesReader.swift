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
            } else if RefName.problem(with: path) == nil {
                loose[path] = Self.contents(of: self.gitDirectory + "/" + path).flatMap { bytes in
                    bytes.withUnsafeBufferPointer { RefFiles.loose($0) }
                }
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
        guard fstat(descriptor, &status) == 0 else { return nil }
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
