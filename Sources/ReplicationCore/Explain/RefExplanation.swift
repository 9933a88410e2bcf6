/// Why one ref of one project is or is not replicated to one URL, and what a push would do now
/// (`replicator explain`). Every reason is the planner's own: the explanation asks the same
/// ``UpdatePlanner`` the push path uses, never a second copy of the rules.
package struct RefExplanation: Hashable, Sendable, Encodable {
    /// The `push` line that maps the ref.
    package struct Mapping: Hashable, Sendable, Codable {
        package var refspec: String
        /// `FILE:LINE`, or `nil` for the default refspec (no `push` line).
        package var location: String?
        package var destination: String
        package var isForced: Bool
    }

    /// A rule that excludes or protects the ref.
    package struct Rule: Hashable, Sendable, Codable {
        /// `projects`, `project`, `HEAD`, `negative-refspec`, `no-refspec`, a ``RefPolicy/Rule``,
        /// `visibility`, `shared-destination`, `mass-deletion-guard`.
        package var kind: String
        package var message: String
        package var location: String?

        package init(kind: String, message: String, location: String? = nil) {
            self.kind = kind
            self.message = message
            self.location = location
        }
    }

    /// What one kind of push would do with the ref now.
    package struct Prediction: Hashable, Sendable, Codable {
        /// `create`, `update`, `force-update`, `delete`, `none`, `held`.
        package var action: String
        package var detail: String

        package init(action: String, detail: String) {
            self.action = action
            self.detail = detail
        }
    }

    package var project: String
    package var ref: String
    package var remote: String
    package var url: String
    package var mapping: Mapping?
    package var rules: [Rule]
    package var sourceID: ObjectID?
    /// `nil` when not listed (`--offline`, or the listing failed: ``listingError``).
    package var mirrorID: ObjectID?
    package var listed: Bool
    package var listingError: String?
    package var delta: Prediction?
    package var fullSync: Prediction?
    package var lastOutcome: StoredRefStatus?

    /// Whether the ref reaches this URL at all (mapped, and no rule keeps it from being pushed).
    package var isReplicated: Bool {
        self.mapping != nil && !self.rules.contains { Self.excludingKinds.contains($0.kind) }
    }

    static let excludingKinds: Set<String> = [
        "projects", "project", "HEAD", "negative-refspec", "no-refspec", "visibility",
        RefPolicy.Rule.replicatePermissions.rawValue, RefPolicy.Rule.cacheAutomerge.rawValue,
        RefPolicy.Rule.replicateNoteDbMetaRefs.rawValue, RefPolicy.Rule.excludedRefsPattern.rawValue,
    ]
}

extension RefExplanation {
    private enum Keys: String, CodingKey {
        case project, ref, remote, url, mapping, rules, sourceId, mirrorId, listed, listingError, delta, fullSync
        case lastOutcome
    }

    private enum OutcomeKeys: String, CodingKey {
        case status, message, newId, at
    }

    /// The documented shape (`docs/json.md`): camelCase ids, and the last outcome as what it
    /// said and when (ISO 8601), not as the store keeps it.
    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(self.project, forKey: .project)
        try container.encode(self.ref, forKey: .ref)
        try container.encode(self.remote, forKey: .remote)
        try container.encode(self.url, forKey: .url)
        try container.encodeIfPresent(self.mapping, forKey: .mapping)
        try container.encode(self.rules, forKey: .rules)
        try container.encodeIfPresent(self.sourceID?.hex, forKey: .sourceId)
        try container.encodeIfPresent(self.mirrorID?.hex, forKey: .mirrorId)
        try container.encode(self.listed, forKey: .listed)
        try container.encodeIfPresent(self.listingError, forKey: .listingError)
        try container.encodeIfPresent(self.delta, forKey: .delta)
        try container.encodeIfPresent(self.fullSync, forKey: .fullSync)
        guard let last = self.lastOutcome else { return }
        var outcome = container.nestedContainer(keyedBy: OutcomeKeys.self, forKey: .lastOutcome)
        try outcome.encode(last.status.status.rawValue, forKey: .status)
        try outcome.encodeIfPresent(last.status.message, forKey: .message)
        try outcome.encodeIfPresent(last.status.newID?.hex, forKey: .newId)
        try outcome.encode(ISO8601Time.text(secondsSince1970: last.recordedAt), forKey: .at)
    }
}
