import Foundation
import Synchronization

/// An exclusive `flock` on a file: the kernel drops it when the holder dies, so a crashed daemon
/// never leaves a stale lock behind. The descriptor is close-on-exec: push workers never hold it.
final class FileLock: ExecutorLease, Sendable {
    private let descriptor: Int32
    private let released = Mutex(false)

    private init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    static func acquire(path: String, wait: Bool) async throws -> FileLock? {
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw TaskStoreError(code: "lock", message: "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        let locked = await BlockingWork.run { flock(descriptor, LOCK_EX | (wait ? 0 : LOCK_NB)) == 0 }
        guard locked else {
            close(descriptor)
            return nil
        }
        return FileLock(descriptor: descriptor)
    }

    func release() {
        self.released.withLock { released in
            guard !released else { return }
            released = true
            flock(self.descriptor, LOCK_UN)
            close(self.descriptor)
        }
    }

    deinit { self.release() }
}
