import ReplicationCore

/// A ``ConfigFileSystem`` over a dictionary of absolute paths, for loader tests.
struct InMemoryFileSystem: ConfigFileSystem {
    var files: [String: String]
    /// Directories that exist even when empty.
    var directories: Set<String> = []
    var home = "/home/replicator"

    init(_ files: [String: String], directories: Set<String> = []) {
        self.files = files
        self.directories = directories
    }

    func readFile(atPath path: String) throws(ConfigFileError) -> String? {
        self.files[path]
    }

    func configFiles(inDirectory path: String) -> [String]? {
        let children = self.files.keys.filter { $0.hasPrefix(path + "/") }
        guard self.directories.contains(path) || !children.isEmpty else { return nil }
        return children.filter { child in
            let name = child.dropFirst(path.count + 1)
            return !name.contains("/") && name.hasSuffix(".config")
        }.sorted()
    }

    func expandingTilde(_ path: String) -> String {
        path.hasPrefix("~/") ? self.home + path.dropFirst() : path
    }
}

extension ReplicationConfiguration {
    /// Loads `text` as `/site/etc/replication.config`.
    static func parse(_ text: String, extraFiles: [String: String] = [:]) -> ReplicationConfiguration {
        var files = extraFiles
        files[TestPaths.main] = text
        return Self.load(path: TestPaths.main, fileSystem: InMemoryFileSystem(files))
    }

    var errors: [ConfigDiagnostic] { self.diagnostics.filter { $0.severity == .error } }
    var warnings: [ConfigDiagnostic] { self.diagnostics.filter { $0.severity == .warning } }
}

enum TestPaths {
    static let main = "/site/etc/replication.config"
}
