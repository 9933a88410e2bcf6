/// How one push attempt ended, as the scheduler needs to know it (docs/gerrit-behaviour.md, "Scheduling and retries").
package enum PushAttemptResult: Hashable, Sendable {
    /// Every planned update landed or was already there.
    case succeeded
    /// Some refs were refused one by one (non-fast-forward, hook); never retried.
    case refsRejected(String)
    /// The plan was not pushed because it would delete too many refs; a person decides.
    case blocked(String, deletions: Int)
    /// `failed to lock` / `failed to update ref`: retried up to `updateRefErrorMaxRetries`.
    case updateRefFailed(String)
    /// Network trouble, timeouts, a repository that could not be created yet: retried with backoff.
    case transientFailure(code: FailureCode, message: String)
    /// Authentication, host key: the URL is marked failed and probed again later.
    case permanentFailure(code: FailureCode, message: String)
    /// The source repository is gone: nothing to push, never retried (Gerrit's "local repo missing").
    case sourceMissing(String)

    /// Which of the cases it is, as metrics, logs, `/status` and the store name it.
    package enum Kind: String, Hashable, Sendable, Codable {
        case ok
        case rejected
        case blocked
        case updateRefFailed = "update-ref-failed"
        case transient
        case permanent
        case sourceMissing = "source-missing"
    }

    package var kind: Kind {
        switch self {
        case .succeeded: .ok
        case .refsRejected: .rejected
        case .blocked: .blocked
        case .updateRefFailed: .updateRefFailed
        case .transientFailure: .transient
        case .permanentFailure: .permanent
        case .sourceMissing: .sourceMissing
        }
    }

    /// The failure's code (`network`, `authentication`, …) when it has one.
    package var code: FailureCode? {
        switch self {
        case .transientFailure(let code, _), .permanentFailure(let code, _): code
        default: nil
        }
    }

    package var message: String? {
        switch self {
        case .succeeded: nil
        case .refsRejected(let message), .blocked(let message, _), .updateRefFailed(let message),
            .sourceMissing(let message):
            message
        case .transientFailure(_, let message), .permanentFailure(_, let message): message
        }
    }
}
