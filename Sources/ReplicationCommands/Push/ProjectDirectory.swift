import Foundation
import ReplicationCore

/// The source repositories under `gerrit.basePath`: every `NAME.git` directory, nested ones included
/// (`team/app.git` is project `team/app`).
enum ProjectDirectory {
    /// Read with `readdir` and its entry types: Foundation's enumerator looked up each entry's
    /// owner and group (`/etc/passwd` and `/etc/group` read again per directory), ~9 system calls
    /// per project where this makes 2, and the list is read per command, per reconcile round and,
    /// for remotes whose URLs can collide, per push. Symbolic links are not followed (as before).
    static func projects(under basePath: String) throws -> [String] {
        guard FileManager.default.fileExists(atPath: basePath) else {
            throw CommandFailure("gerrit.basePath \(basePath) does not exist")
        }
        var projects: [String] = []
        let base = basePath.count > 1 && basePath.hasSuffix("/") ? String(basePath.dropLast()) : basePath
        Self.collect(in: base, relative: "", into: &projects)
        return projects.sorted()
    }

    /// Adds every `NAME.git` directory with a `HEAD` below `path` (not below a `NAME.git`).
    private static func collect(in path: String, relative: String, into projects: inout [String]) {
        guard let stream = opendir(path) else { return }
        defer { closedir(stream) }
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(cString: $0.bindMemory(to: CChar.self).baseAddress!)
            }
            guard name != ".", name != ".." else { continue }
            let full = path == "/" ? "/" + name : path + "/" + name
            guard Self.isDirectory(entry.pointee.d_type, at: full) else { continue }
            let child = relative.isEmpty ? name : relative + "/" + name
            guard name.hasSuffix(".git"), name.utf8.count > ".git".utf8.count else {
                Self.collect(in: full, relative: child, into: &projects)
                continue
            }
            var status = stat()
            if stat(full + "/HEAD", &status) == 0 { projects.append(String(child.dropLast(".git".count))) }
        }
    }

    private static func isDirectory(_ type: UInt8, at path: String) -> Bool {
        if type == UInt8(DT_DIR) { return true }
        guard type == UInt8(DT_UNKNOWN) else { return false }
        var status = stat()
        return lstat(path, &status) == 0 && status.st_mode & S_IFMT == S_IFDIR
    }

    static func repositoryPath(of project: String, under basePath: String) -> String {
        "\(basePath)/\(project).git"
    }
}

extension ReplicationSelection {
    /// The selected projects under `gerrit.basePath`, and an error for each exact name that does
    /// not exist there (never a silent no-op).
    func projects(in configuration: ReplicationConfiguration) throws -> (
        selected: [String], missing: [PlanReport.Failure]
    ) {
        let basePath = configuration.gerrit.basePath
        let available = try ProjectDirectory.projects(under: basePath)
        let missing = self.missingProjects(among: available).map { project in
            let path = ProjectDirectory.repositoryPath(of: project, under: basePath)
            return PlanReport.Failure(
                project: project,
                remote: nil,
                url: nil,
                message: "no such project: \(path) does not exist"
            )
        }
        return (self.selectedProjects(from: available), missing)
    }
}

/// A command-level failure with a message for the user.
struct CommandFailure: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = description
    }
}
