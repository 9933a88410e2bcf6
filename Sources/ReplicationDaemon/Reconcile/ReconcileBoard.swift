import Foundation
package import ReplicationCore
import Synchronization

/// The last verify of each target, for `/status` and `/metrics`; written by the ``Reconciler``.
package final class ReconcileBoard: Sendable {
    private let last = Mutex<[PushTarget: DaemonStatus.Verification]>([:])

    package init() {}

    /// Every target's last verify, by remote, URL and project.
    package var verifications: [DaemonStatus.Verification] {
        self.last.withLock { Array($0.values) }.sorted {
            ($0.remote, $0.url, $0.project) < ($1.remote, $1.url, $1.project)
        }
    }

    /// Records a verify at wall-clock `seconds` (since 1970); returns that remote's drift by kind and
    /// the oldest of its targets' last verify times.
    func record(_ verification: MirrorVerification, at seconds: Double) -> (
        drift: [RefDrift.Kind: Int], oldestVerified: Double
    ) {
        let entry = DaemonStatus.Verification(verification, at: seconds)
        return self.last.withLock { last in
            last[verification.target] = entry
            let remote = last.values.filter { $0.remote == verification.remote }
            var drift = Dictionary(uniqueKeysWithValues: RefDrift.Kind.allCases.map { ($0, 0) })
            for other in remote {
                for (kind, count) in other.differences {
                    if let kind = RefDrift.Kind(rawValue: kind) { drift[kind, default: 0] += count }
                }
            }
            return (drift, remote.map(\.verifiedAt).min() ?? seconds)
        }
    }

    /// Forgets targets no longer verified (a project deleted, a remote removed or turned off).
    func keep(only targets: Set<PushTarget>) {
        self.last.withLock { last in last = last.filter { targets.contains($0.key) } }
    }
}

extension DaemonStatus {
    /// The last verify of one project's mirror at one URL (`/status` → `verifications`).
    package struct Verification: Hashable, Sendable, Codable {
        package var remote: String
        package var url: String
        package var project: String
        /// Seconds since 1970.
        package var verifiedAt: Double
        package var at: String
        package var result: MirrorVerification.Result
        /// Differing refs by kind (`missing`, `stale`, …); empty when in sync.
        package var differences: [String: Int]
        package var message: String?

        init(_ verification: MirrorVerification, at seconds: Double) {
            self.remote = verification.remote
            self.url = verification.url
            self.project = verification.project
            self.verifiedAt = seconds
            self.at = ISO8601Time.text(secondsSince1970: seconds)
            self.result = verification.result
            self.differences = Dictionary(
                uniqueKeysWithValues: (verification.drift?.counts ?? [:]).filter { $0.value > 0 }.map {
                    ($0.key.rawValue, $0.value)
                }
            )
            self.message = verification.message
        }
    }
}
