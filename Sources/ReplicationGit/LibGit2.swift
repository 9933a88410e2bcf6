internal import CLibgit2

/// Process-wide libgit2 state. The composition root calls ``initialize()`` once at startup.
package enum LibGit2 {
    package struct Version: Hashable, Sendable, CustomStringConvertible {
        package var major: Int
        package var minor: Int
        package var revision: Int
        package var supportsSSH: Bool
        package var supportsThreads: Bool

        package var description: String { "\(self.major).\(self.minor).\(self.revision)" }
    }

    /// Initialises libgit2's global state; safe to call more than once (libgit2 counts calls).
    package static func initialize() {
        git_libgit2_init()
    }

    /// The linked libgit2 and the features it was built with.
    package static func version() -> Version {
        var major: Int32 = 0
        var minor: Int32 = 0
        var revision: Int32 = 0
        git_libgit2_version(&major, &minor, &revision)
        let features = git_libgit2_features()
        return Version(
            major: Int(major),
            minor: Int(minor),
            revision: Int(revision),
            supportsSSH: features & Int32(GIT_FEATURE_SSH.rawValue) != 0,
            supportsThreads: features & Int32(GIT_FEATURE_THREADS.rawValue) != 0
        )
    }
}
