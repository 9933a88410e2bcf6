package import Foundation
package import ReplicationCore

/// Ref locks that an interrupted git left in a local mirror, removed only with proof.
///
/// git creates `refs/heads/x.lock` with `open(O_CREAT | O_EXCL)` and only then registers it for
/// removal on a signal: a `receive-pack` that gets SIGTERM while that `open` runs (the daemon died
/// and the kernel's death signal came, or its push was stopped) dies with an empty lock on disk.
/// The mirror then refuses every update of that ref (`failed to update ref`) until the lock goes.
/// A lock is that leftover when all of these hold: it is empty (git writes the new value as soon
/// as the lock is made, before any hook), it is older than ``minimumAge``, and no process on this
/// host that we may look at has it open (git holds it open from `open` until it has written it).
package enum StaleRefLocks {
    /// Time git never needs between creating a lock and writing it: a margin for writers on other
    /// hosts (a mirror on NFS), whose open files /proc cannot show.
    package static let minimumAge: TimeInterval = 5

    /// `report` after removing the stale locks of its refs that failed to update, when `url` is a
    /// local repository; the refs whose locks went are in `removedStaleLocks`. A report for another
    /// transport, or with no such failure, is returned as it is, without a look at the disk.
    package static func clear(after report: PushReport, at url: RemoteURL, now: Date = Date()) -> PushReport {
        guard url.transport == .local else { return report }
        let failed = report.results.filter { RefResult.isUpdateRefFailure($0.message ?? "") }
        guard !failed.isEmpty else { return report }
        let gitDirectory = Self.gitDirectory(of: url.path)
        var cleared = report
        for result in failed {
            let ref = result.update.destination
            guard RefName.problem(with: ref) == nil, ref.hasPrefix("refs/") else { continue }
            let lock = gitDirectory + "/" + ref + ".lock"
            guard Self.isStale(lock, now: now), unlink(lock) == 0 else { continue }
            cleared.removedStaleLocks.append(ref)
        }
        return cleared
    }

    /// Whether the file at `lock` is an empty regular file, older than ``minimumAge``, that no
    /// process here has open.
    private static func isStale(_ lock: String, now: Date) -> Bool {
        var status = stat()
        guard lstat(lock, &status) == 0, status.st_mode & S_IFMT == S_IFREG, status.st_size == 0 else { return false }
        let modified = TimeInterval(status.st_mtim.tv_sec) + TimeInterval(status.st_mtim.tv_nsec) / 1e9
        guard now.timeIntervalSince1970 - modified >= Self.minimumAge, let resolved = realpath(lock, nil) else {
            return false
        }
        defer { free(resolved) }
        return !Self.isOpen(String(cString: resolved))
    }

    /// Whether a process whose descriptors we may read has the file at the resolved path `path`
    /// open (Linux `/proc/PID/fd`). The links are read, not followed: a descriptor on a hung
    /// network mount must not hang the push.
    private static func isOpen(_ path: String) -> Bool {
        guard let processes = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return false }
        let wanted = Array(path.utf8CString.dropLast())
        var target = [CChar](repeating: 0, count: Int(PATH_MAX))
        for process in processes where process.first?.isNumber == true {
            let directory = "/proc/\(process)/fd"
            guard let descriptors = try? FileManager.default.contentsOfDirectory(atPath: directory) else { continue }
            for descriptor in descriptors {
                let count = readlink(directory + "/" + descriptor, &target, target.count)
                if count == wanted.count, target.prefix(count).elementsEqual(wanted) { return true }
            }
        }
        return false
    }

    /// A bare repository is its own git directory; a work tree's is `.git`.
    private static func gitDirectory(of path: String) -> String {
        var isDirectory: ObjCBool = false
        let dotGit = path + "/.git"
        return FileManager.default.fileExists(atPath: dotGit, isDirectory: &isDirectory) && isDirectory.boolValue
            ? dotGit : path
    }
}
