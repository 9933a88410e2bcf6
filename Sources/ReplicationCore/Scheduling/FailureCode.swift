/// Why a push job stopped before its refs could be reported one by one. The raw value is what
/// logs, `/status`, JSON outputs and the store say; the retry class follows from the case.
package enum FailureCode: String, Hashable, Sendable, CaseIterable {
    case authentication
    case hostKey
    case repositoryNotFound
    case network
    case invalid
    case other
    /// The source repository is gone: nothing to push, never retried.
    case sourceMissing
    /// A mirror's deletion could not be proven safe: reported as a refusal, never retried.
    case deletionRefused
    /// The mirror's URL is unsafe for this project (outside its template's directory, or shared
    /// with another live project): nothing is written there until the configuration changes.
    case targetRefused
    /// Joined a push the mass-deletion guard holds: waits with it until allowed.
    case held

    /// `permanent` failures need a person (keys, host keys, a mirror that may not be created);
    /// everything else may go away by itself.
    package var failureClass: FailureClass {
        switch self {
        case .authentication, .hostKey, .repositoryNotFound, .invalid, .sourceMissing, .targetRefused: .permanent
        case .network, .other, .deletionRefused, .held: .transient
        }
    }
}

extension FailureCode: Codable {
    /// A code this version does not know (written by a newer one) reads as `other`.
    package init(from decoder: any Decoder) throws {
        self = Self(rawValue: try decoder.singleValueContainer().decode(String.self)) ?? .other
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(self.rawValue)
    }
}
