/// The file access configuration loading needs; the real one lives in the composition root, tests
/// use an in-memory one.
package protocol ConfigFileSystem: Sendable {
    /// The file's text, or `nil` when there is no file at `path`.
    func readFile(atPath path: String) throws(ConfigFileError) -> String?
    /// Paths of the regular files directly inside `path` whose names end in `.config`, sorted by
    /// name; `nil` when `path` is not a directory.
    func configFiles(inDirectory path: String) -> [String]?
    /// `path` with a leading `~` replaced by the home directory.
    func expandingTilde(_ path: String) -> String
}

/// A file that exists but could not be read.
package struct ConfigFileError: Error, Hashable, Sendable {
    package var path: String
    package var message: String

    package init(path: String, message: String) {
        self.path = path
        self.message = message
    }
}
