import Foundation
import ReplicationCore
import ReplicationDaemon
import ReplicationGit

/// The ``WaitPreparing`` of `wait` and `GET /wait`: checks the names, reads the source's value,
/// decides the scope with the planner (``RefExplainer``) and lists each URL in it once.
struct GitWaitPreparer: WaitPreparing {
    let pool: SSHSessionPool
    let site: SiteAccess

    func prepare(_ request: WaitRequest, configuration: ReplicationConfiguration) async throws(WaitError)
        -> PreparedWait
    {
        try Self.check(request, configuration)
        let (pool, site) = (self.pool, self.site)
        let result = await BlockingWork.run {
            Result { () throws(WaitError) in
                try Self.prepareHere(request, configuration: configuration, pool: pool, site: site)
            }
        }
        return try result.get()
    }

    private static func check(_ request: WaitRequest, _ configuration: ReplicationConfiguration) throws(WaitError) {
        if let problem = ProjectName.problem(with: request.project) {
            throw WaitError(.invalid, "invalid project name '\(request.project)': \(problem)")
        }
        if let problem = ProjectName.refProblem(with: request.ref) {
            throw WaitError(.invalid, "invalid ref '\(request.ref)': \(problem)")
        }
        if let sha = request.sha, ObjectID(hex: sha.lowercased()) == nil {
            throw WaitError(.invalid, "invalid sha '\(sha)': expected 40 hexadecimal digits")
        }
        if request.sha != nil, request.deleted {
            throw WaitError(.invalid, "--sha and --deleted exclude each other")
        }
        let unknown = request.remotes.filter { configuration.remote(named: $0) == nil }
        if !unknown.isEmpty {
            throw WaitError(.invalid, "unknown remote \(unknown.joined(separator: ", "))")
        }
    }

    private static func prepareHere(
        _ request: WaitRequest,
        configuration: ReplicationConfiguration,
        pool: SSHSessionPool,
        site: SiteAccess
    ) throws(WaitError) -> PreparedWait {
        let source: SourceSnapshot
        do {
            source = try SourceSnapshot(request.project, basePath: configuration.gerrit.basePath, site: site)
        } catch  where error.cause == nil {
            throw WaitError(.notFound, "no such project '\(request.project)': \(error.path) does not exist")
        } catch {
            throw WaitError(.unreadable, error.message)
        }
        let (repository, local) = (source.repository, source.local)
        if request.sha == nil, !request.deleted, local.refs[request.ref] == nil {
            throw WaitError(
                .notFound,
                "\(request.project) has no ref \(request.ref); to wait for its deletion, say so (--deleted, deleted=true)"
            )
        }
        if request.deleted, let value = local.refs[request.ref] {
            throw WaitError(.invalid, "\(request.ref) exists at the source (\(value.hex)); it is not deleted")
        }
        let expected = request.sha.flatMap { ObjectID(hex: $0.lowercased()) } ?? local.refs[request.ref]
        var scope: [(target: PushTarget, exclusion: String?)] = []
        var destinations: [PushTarget: (remote: RemoteConfiguration, url: RemoteURL, ref: String)] = [:]
        let selected = configuration.remotes.filter { request.remotes.isEmpty || request.remotes.contains($0.name) }
        for remote in selected {
            let explainer = RefExplainer(remote: remote, visibility: source.view(for: remote).visibility)
            for url in ReplicationSelection(projects: []).urls(of: remote, for: request.project) {
                let target = PushTarget(remote: remote.name, url: url.description, project: request.project)
                let explanation = explainer.explain(
                    project: request.project,
                    ref: request.ref,
                    url: url.description,
                    local: local.refs,
                    headTarget: local.headTarget,
                    mirror: nil,
                    replicatesProject: remote.replicates(project: request.project)
                )
                let exclusion = explanation.isReplicated ? nil : Self.reason(explanation)
                scope.append((target, exclusion))
                if exclusion == nil, let mapping = explanation.mapping {
                    destinations[target] = (remote, url, mapping.destination)
                }
            }
        }
        var wait = ReplicationWait(
            project: request.project,
            ref: request.ref,
            expected: expected,
            startedAt: Date().timeIntervalSince1970,
            scope: scope
        )
        let contains = Self.contains(expected, path: source.path)
        for (target, destination) in destinations {
            let listing: RefTable
            do {
                listing =
                    try repository.listMirror(
                        destination.url,
                        remote: destination.remote,
                        configuration: configuration,
                        pool: pool
                    ) ?? [:]
            } catch {
                continue  // stays pending: the store's statuses decide
            }
            wait.listed(target, mirror: listing[destination.ref], contains: contains)
        }
        return PreparedWait(wait: wait, contains: contains)
    }

    /// The first rule that keeps the ref from the URL, as the planner words it.
    private static func reason(_ explanation: RefExplanation) -> String {
        guard explanation.mapping != nil || !explanation.rules.isEmpty else {
            return "no push line of remote \(explanation.remote) maps \(explanation.ref)"
        }
        return explanation.rules.first?.message ?? "no push line maps it"
    }

    /// Whether a value pushed later contains the expected commit (the source's ancestry).
    private static func contains(_ expected: ObjectID?, path: String) -> @Sendable (ObjectID) -> Bool {
        { value in
            guard let expected, let repository = try? GitRepository(path: path) else { return false }
            return repository.isFastForward(from: expected, to: value) == true
        }
    }
}
