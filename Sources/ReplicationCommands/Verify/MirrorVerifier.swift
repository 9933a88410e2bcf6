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
    let site: SiteAccess

    /// One verification per target of `project` (all of them one project's URLs), reading the
    /// source's refs once.
    func verify(_ project: String, targets: [ReplicationTarget]) -> [MirrorVerification] {
        guard !targets.isEmpty else { return [] }
        let source: SourceSnapshot
        do {
            source = try SourceSnapshot(project, basePath: self.configuration.gerrit.basePath, site: self.site)
        } catch {
            return targets.map { .unlisted($0.pushTarget, .failed, error.message) }
        }
        return targets.map { self.verify($0, source: source) }
    }

    private func verify(_ target: ReplicationTarget, source: SourceSnapshot) -> MirrorVerification {
        let view = source.view(for: target.remote)
        if let skip = view.projectSkip(mode: .full) {
            return .unlisted(target.pushTarget, .skipped, skip.skipped.first?.reason ?? "not replicated")
        }
        let (repository, local) = (source.repository, source.local)
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
        let scope = DriftScope(planner: view.planner)
        let views = scope.views(local: local.refs, remote: remote)
        let drift = scope.compare(views, local: local.refs) { ancestor, descendant in
            repository.isFastForward(from: ancestor, to: descendant)
        }
        if mirrorMissing, !view.isVisible {
            return .unlisted(target.pushTarget, .skipped, view.visibility.notCreatedReason)
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
    let site: SiteAccess

    func verify(project: String, targets: [PushTarget], configuration: ReplicationConfiguration) async
        -> [MirrorVerification]
    {
        let resolved = targets.map { Self.resolve($0, in: configuration) }
        let verifier = MirrorVerifier(configuration: configuration, pool: self.pool, site: self.site)
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
