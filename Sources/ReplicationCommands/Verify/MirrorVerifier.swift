import Crypto
import Foundation
import ReplicationCore
import ReplicationDaemon
import ReplicationGit

/// Lists each mirror of a project once and compares it with the source inside the remote's scope
/// (`replicator verify` and the daemon's reconcile); changes nothing anywhere.
struct MirrorVerifier: Sendable {
    let configuration: ReplicationConfiguration
    let pool: SSHSessionPool

    /// One verification per target of `project` (all of them one project's URLs), reading the
    /// source's refs once.
    func verify(_ project: String, targets: [ReplicationTarget]) -> [MirrorVerification] {
        guard !targets.isEmpty else { return [] }
        let path = ProjectDirectory.repositoryPath(of: project, under: self.configuration.gerrit.basePath)
        let repository: GitRepository
        let local: RepositoryRefs
        do {
            repository = try GitRepository(path: path)
            local = try repository.readRefs()
        } catch {
            return targets.map { .unlisted($0.pushTarget, .failed, "cannot read \(path): \(error.message)") }
        }
        return targets.map { self.verify($0, repository: repository, local: local) }
    }

    private func verify(_ target: ReplicationTarget, repository: GitRepository, local: RepositoryRefs)
        -> MirrorVerification
    {
        let visibility = SiteAccess.shared.visibility(
            of: target.project,
            in: repository,
            refs: local.refs,
            remote: target.remote,
            basePath: self.configuration.gerrit.basePath
        )
        let planner = UpdatePlanner(remote: target.remote, visibility: visibility)
        if let skip = planner.projectSkip(headTarget: local.headTarget, mode: .full) {
            return .unlisted(target.pushTarget, .skipped, skip.skipped.first?.reason ?? "not replicated")
        }
        let listing: RefTable?
        do {
            listing = try repository.listMirror(
                target.url,
                remote: target.remote,
                configuration: self.configuration,
                pool: self.pool
            )
        } catch {
            return .unlisted(target.pushTarget, .failed, error.message)
        }
        let remote = listing ?? [:]
        let mirrorMissing = listing == nil
        let scope = DriftScope(planner: planner)
        let views = scope.views(local: local.refs, remote: remote)
        let drift = scope.compare(views, local: local.refs) { ancestor, descendant in
            repository.isFastForward(from: ancestor, to: descendant)
        }
        if mirrorMissing, !visibility.isVisible(refs: local.refs.names) {
            return .unlisted(target.pushTarget, .skipped, visibility.notCreatedReason)
        }
        return MirrorVerification(
            project: target.project,
            remote: target.remote.name,
            url: target.url.description,
            result: drift.isInSync ? .inSync : .differs,
            drift: drift,
            sourceChecksum: ScopeChecksum.of(views.source.mapValues(\.id)),
            mirrorChecksum: ScopeChecksum.of(views.mirror),
            mirrorMissing: mirrorMissing
        )
    }
}

/// GitLab's repository checksum over a scoped view: the XOR of SHA-1(`"<id> <name>"`) of every ref,
/// so equal views give equal checksums whatever the order, and two verifies compare cheaply.
enum ScopeChecksum {
    static func of(_ refs: [String: ObjectID]) -> String {
        var sum = [UInt8](repeating: 0, count: Insecure.SHA1.byteCount)
        for (name, id) in refs {
            let digest = Insecure.SHA1.hash(data: Array("\(id.hex) \(name)".utf8))
            for (index, byte) in digest.enumerated() { sum[index] ^= byte }
        }
        return sum.map { byte in
            let text = String(byte, radix: 16)
            return text.count == 1 ? "0" + text : text
        }.joined()
    }
}

extension ReplicationTarget {
    var pushTarget: PushTarget {
        PushTarget(remote: self.remote.name, url: self.url.description, project: self.project)
    }
}

/// The daemon's ``MirrorVerifying``: ``MirrorVerifier`` on a thread of its own (listings block),
/// over the ssh session pool the pushes use.
struct GitMirrorVerifier: MirrorVerifying {
    let pool: SSHSessionPool

    func verify(project: String, targets: [PushTarget], configuration: ReplicationConfiguration) async
        -> [MirrorVerification]
    {
        let resolved = targets.map { Self.resolve($0, in: configuration) }
        let verifier = MirrorVerifier(configuration: configuration, pool: self.pool)
        let listed = await BlockingWork.run { verifier.verify(project, targets: resolved.compactMap(\.self)) }
        var answers = listed.makeIterator()
        return zip(targets, resolved).map { target, resolution in
            guard resolution != nil else {
                return .unlisted(
                    target,
                    .failed,
                    "remote \(target.remote) no longer has this URL for \(target.project)"
                )
            }
            return answers.next() ?? .unlisted(target, .failed, "not verified")
        }
    }

    private static func resolve(_ target: PushTarget, in configuration: ReplicationConfiguration)
        -> ReplicationTarget?
    {
        guard let remote = configuration.remote(named: target.remote) else { return nil }
        let url = ReplicationSelection(projects: []).urls(of: remote, for: target.project).first {
            $0.description == target.url
        }
        return url.map { ReplicationTarget(project: target.project, remote: remote, url: $0) }
    }
}
