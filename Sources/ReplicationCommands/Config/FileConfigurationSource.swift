import Foundation
import ReplicationCore
import ReplicationDaemon
import Synchronization

/// `gerrit.autoReload`: notices when the configuration files (main, includes, fan-out directory)
/// change, loads them, and hands over the new configuration only when it has no errors. SIGHUP
/// (``requestReload()``) loads them once whether or not `autoReload` is on.
final class FileConfigurationSource: ConfigurationSource {
    private let path: String
    private let snapshots: ConfigSnapshotBox
    private let fingerprint: Mutex<[String: Date]>
    private let requested = Atomic<Bool>(false)
    /// Called once a requested reload is over, taken or refused (systemd hears `READY=1` again).
    private let requestedReloadDone: @Sendable () -> Void

    /// `initial` is the configuration loaded from `path`; `snapshots` gets each accepted reload's.
    init(
        path: String,
        initial: ReplicationConfiguration,
        snapshots: ConfigSnapshotBox,
        requestedReloadDone: @escaping @Sendable () -> Void = {}
    ) {
        self.path = path
        self.snapshots = snapshots
        self.fingerprint = Mutex(Self.fingerprint(of: initial))
        self.requestedReloadDone = requestedReloadDone
    }

    /// The next ``reloadIfChanged(_:rejected:)`` loads the files even if they look unchanged.
    func requestReload() {
        self.requested.store(true, ordering: .releasing)
    }

    func reloadIfChanged(_ current: ReplicationConfiguration, rejected: (String) -> Void) -> ReplicationConfiguration? {
        let requested = self.requested.exchange(false, ordering: .acquiringAndReleasing)
        defer { if requested { self.requestedReloadDone() } }
        guard requested || current.gerrit.autoReload else { return nil }
        let seen = Self.fingerprint(of: current)
        let changed = self.fingerprint.withLock { fingerprint in
            guard fingerprint != seen else { return false }
            fingerprint = seen
            return true
        }
        guard changed || requested else { return nil }
        let (fresh, snapshot) = ConfigSnapshot.load(path: self.path)
        guard fresh.isUsable else {
            rejected(fresh.diagnostics.filter { $0.severity == .error }.map(\.description).joined(separator: "; "))
            return nil
        }
        self.snapshots.replace(snapshot)
        self.fingerprint.withLock { $0 = Self.fingerprint(of: fresh) }
        return fresh
    }

    /// Modification times of every file read, and of the fan-out directory's entries.
    private static func fingerprint(of configuration: ReplicationConfiguration) -> [String: Date] {
        var paths = configuration.files + [configuration.mainFile]
        if let directory = configuration.fanOutDirectory {
            paths.append(directory)
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            paths += entries.map { "\(directory)/\($0)" }
        }
        var result: [String: Date] = [:]
        for path in paths {
            let attributes = try? FileManager.default.attributesOfItem(atPath: path)
            result[path] = attributes?[.modificationDate] as? Date ?? .distantPast
        }
        return result
    }
}
