/// What one verify of one project on one URL found (`replicator verify`, the daemon's reconcile).
package struct MirrorVerification: Hashable, Sendable, Codable {
    package enum Result: String, Hashable, Sendable, Codable {
        /// Both sides hold the same refs inside the scope.
        case inSync = "in-sync"
        /// Some ref differs (``drift`` says which).
        case differs
        /// The remote replicates nothing of the project (``message`` says why); nothing was listed.
        case skipped
        /// The source or the mirror could not be listed (``message``).
        case failed
    }

    package var project: String
    package var remote: String
    package var url: String
    package var result: Result
    package var drift: MirrorDrift?
    /// XOR of SHA-1 over `"<id> <name>"` of each side's scoped refs (GitLab's repository checksum),
    /// mirror ref names on both sides; 40 zeros for an empty side.
    package var sourceChecksum: String?
    package var mirrorChecksum: String?
    /// The mirror repository does not exist (everything in the scope is missing).
    package var mirrorMissing: Bool
    package var message: String?

    package init(
        project: String,
        remote: String,
        url: String,
        result: Result,
        drift: MirrorDrift? = nil,
        sourceChecksum: String? = nil,
        mirrorChecksum: String? = nil,
        mirrorMissing: Bool = false,
        message: String? = nil
    ) {
        self.project = project
        self.remote = remote
        self.url = url
        self.result = result
        self.drift = drift
        self.sourceChecksum = sourceChecksum
        self.mirrorChecksum = mirrorChecksum
        self.mirrorMissing = mirrorMissing
        self.message = message
    }

    /// A skip or a failure, which lists nothing.
    package static func unlisted(_ target: PushTarget, _ result: Result, _ message: String) -> Self {
        Self(project: target.project, remote: target.remote, url: target.url, result: result, message: message)
    }

    package var target: PushTarget { PushTarget(remote: self.remote, url: self.url, project: self.project) }
}
