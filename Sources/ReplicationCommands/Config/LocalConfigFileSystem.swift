import Foundation
package import ReplicationCore

/// ``ConfigFileSystem`` on the real filesystem.
package struct LocalConfigFileSystem: ConfigFileSystem {
    package init() {}

    package func readFile(atPath path: String) throws(ConfigFileError) -> String? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return nil }
        guard !isDirectory.boolValue else { throw ConfigFileError(path: path, message: "is a directory, not a file") }
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigFileError(path: path, message: "cannot be read: \(error.localizedDescription)")
        }
    }

    package func configFiles(inDirectory path: String) -> [String]? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue,
            let names = try? FileManager.default.contentsOfDirectory(atPath: path)
        else { return nil }
        return names.sorted().map { "\(path)/\($0)" }.filter { file in
            var isSubdirectory: ObjCBool = false
            return file.hasSuffix(".config")
                && FileManager.default.fileExists(atPath: file, isDirectory: &isSubdirectory)
                && !isSubdirectory.boolValue
        }
    }

    /// `~/` is `$HOME` first, as git does (Foundation's expansion asks the password database).
    package func expandingTilde(_ path: String) -> String {
        guard path.hasPrefix("~/"), let home = ProcessInfo.processInfo.environment["HOME"] else {
            return NSString(string: path).expandingTildeInPath
        }
        return home + path.dropFirst()
    }

    /// `path` made absolute against the working directory, so that every location printed is unambiguous.
    package static func absolute(_ path: String) -> String {
        PathText.resolve(NSString(string: path).expandingTildeInPath, against: FileManager.default.currentDirectoryPath)
    }
}
