import Foundation
import ReplicationCore
import Synchronization

/// Every file and directory listing a configuration load read, so that push workers load exactly
/// the configuration the daemon runs with, even after the files changed on disk (a rejected
/// `autoReload` keeps the old configuration in force, for the workers too).
struct ConfigSnapshot: Codable, Sendable {
    var files: [String: String] = [:]
    var missing: Set<String> = []
    var directories: [String: [String]] = [:]

    /// Loads `path` from disk, recording what was read.
    static func load(path: String) -> (ReplicationConfiguration, Data) {
        let recorder = RecordingConfigFileSystem()
        let configuration = ReplicationConfiguration.load(path: path, fileSystem: recorder)
        return (configuration, (try? JSONEncoder().encode(recorder.snapshot)) ?? Data())
    }
}

/// The local filesystem, remembering what it was asked.
private final class RecordingConfigFileSystem: ConfigFileSystem {
    private let local = LocalConfigFileSystem()
    private let recorded = Mutex(ConfigSnapshot())

    var snapshot: ConfigSnapshot { self.recorded.withLock { $0 } }

    func readFile(atPath path: String) throws(ConfigFileError) -> String? {
        let text = try self.local.readFile(atPath: path)
        self.recorded.withLock { snapshot in
            if let text { snapshot.files[path] = text } else { snapshot.missing.insert(path) }
        }
        return text
    }

    func configFiles(inDirectory path: String) -> [String]? {
        let files = self.local.configFiles(inDirectory: path)
        if let files { self.recorded.withLock { $0.directories[path] = files } }
        return files
    }

    func expandingTilde(_ path: String) -> String { self.local.expandingTilde(path) }
}

/// Replays a ``ConfigSnapshot``; anything it did not read does not exist.
struct SnapshotConfigFileSystem: ConfigFileSystem {
    let snapshot: ConfigSnapshot

    func readFile(atPath path: String) throws(ConfigFileError) -> String? { self.snapshot.files[path] }

    func configFiles(inDirectory path: String) -> [String]? { self.snapshot.directories[path] }

    func expandingTilde(_ path: String) -> String { LocalConfigFileSystem().expandingTilde(path) }
}
