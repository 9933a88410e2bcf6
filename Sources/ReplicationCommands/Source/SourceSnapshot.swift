import Foundation
import ReplicationCore
import ReplicationGit

/// One project's source as push, dry-run, verify, explain and wait read it: the repository, its
/// refs, and for each remote what that remote may see of them. The one place that opens a
/// source repository for replication.
struct SourceSnapshot {
    /// Which refs to read: all of them, or only those an event's plan may look up.
    enum Refs {
        case all
        case named(Set<String>)
    }

    let project: String
    let path: String
    let repository: GitRepository
    let local: RepositoryRefs
    private let site: SiteAccess
    private let basePath: String

    /// Opens `project` under `basePath` and reads `refs`.
    init(_ project: String, basePath: String, refs: Refs = .all, site: SiteAccess) throws(SourceReadError) {
        let path = ProjectDirectory.repositoryPath(of: project, under: basePath)
        guard FileManager.default.fileExists(atPath: path) else { throw SourceReadError(path: path, cause: nil) }
        do {
            self.repository = try GitRepository(path: path)
            switch refs {
            case .all: self.local = try self.repository.readRefs()
            case .named(let names): self.local = try self.repository.readRefs(named: names)
            }
        } catch {
            throw SourceReadError(path: path, cause: error)
        }
        (self.project, self.path, self.site, self.basePath) = (project, path, site, basePath)
    }

    /// What `remote` may see of the project, and the planner that plans under it.
    func view(for remote: RemoteConfiguration) -> SourceView {
        let visibility = self.site.visibility(
            of: self.project,
            in: self.repository,
            refs: self.local.refs,
            remote: remote,
            basePath: self.basePath
        )
        return SourceView(visibility: visibility, remote: remote, local: self.local)
    }
}

/// The source as one remote may see it.
struct SourceView {
    let visibility: ProjectVisibility
    let planner: UpdatePlanner
    private let local: RepositoryRefs

    init(visibility: ProjectVisibility, remote: RemoteConfiguration, local: RepositoryRefs) {
        self.visibility = visibility
        self.planner = UpdatePlanner(remote: remote, visibility: visibility)
        self.local = local
    }

    /// Whether the remote may see any ref of the project (else it gets no mirror).
    var isVisible: Bool { self.visibility.isVisible(refs: self.local.refs.names) }

    /// The plan when nothing of the project goes to the remote (not replicated there, hidden, or
    /// its state forbids it): no push, no mirror created, no HEAD moved.
    func projectSkip(mode: UpdatePlan.Mode) -> UpdatePlan? {
        self.planner.projectSkip(headTarget: self.local.headTarget, mode: mode)
    }
}

/// A source repository that is missing (`cause == nil`) or cannot be read.
struct SourceReadError: Error {
    let path: String
    let cause: GitError?

    var message: String {
        guard let cause else { return "the source repository \(self.path) does not exist" }
        return "cannot read \(self.path): \(cause.message)"
    }
}
