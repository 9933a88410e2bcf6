import Foundation
import ReplicationCore

/// The source repositories under `gerrit.basePath`: every `NAME.git` directory, nested ones included
/// (`team/app.git` is project `team/app`).
enum ProjectDirectory {
    static func projects(under basePath: String) throws -> [String] {
        let base = URL(fileURLWithPath: basePath, isDirectory: true)
        guard FileManager.default.fileExists(atPath: basePath) else {
            throw CommandFailure("gerrit.basePath \(basePath) does not exist")
        }
        var projects: [String] = []
        let keys: [URLResourceKey] = [.isDirectoryKey]
        guard let walker = FileManager.default.enumerator(at: base, includingPropertiesForKeys: keys) else { return [] }
        for case let url as URL in walker {
            guard (try? url.resourceValues(forKeys: Set(keys)).isDirectory) == true, url.pathExtension == "git" else {
                continue
            }
            walker.skipDescendants()
            guard FileManager.default.fileExists(atPath: url.appendingPathComponent("HEAD").path) else { continue }
            let relative = url.path.dropFirst(base.path.count).drop { $0 == "/" }
            projects.append(String(relative.dropLast(".git".count)))
        }
        return projects.sorted()
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
