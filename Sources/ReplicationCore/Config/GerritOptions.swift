/// The `[gerrit]` section.
package struct GerritOptions: Hashable, Sendable {
    package var replicateOnStartup = false
    package var autoReload = false
    package var defaultForceUpdate = false
    package var maxRefsToLog = 0
    package var maxRefsToShow = 2
    package var pushBatchSize = 0
    package var sshCommandTimeout = Duration.zero
    package var sshConnectionTimeout = Duration.seconds(120)
    package var useLegacyCredentials = false
    /// Replicator's own: the directory holding `<project>.git` source repositories.
    package var basePath: String

    package init(basePath: String) {
        self.basePath = basePath
    }

    /// Gerrit's site layout: `$site/etc/replication.config` beside `$site/git`.
    package static func defaultBasePath(configDirectory: String) -> String {
        PathText.resolve("../git", against: configDirectory)
    }

    init(reading reader: inout SectionReader, configDirectory: String) {
        self.init(basePath: Self.defaultBasePath(configDirectory: configDirectory))
        self.replicateOnStartup = reader.bool("replicateOnStartup", default: false)
        self.autoReload = reader.bool("autoReload", default: false)
        self.defaultForceUpdate = reader.bool("defaultForceUpdate", default: false)
        self.maxRefsToLog = reader.int("maxRefsToLog", default: 0, minimum: 0)
        self.maxRefsToShow = reader.int("maxRefsToShow", default: 2, minimum: 0)
        self.pushBatchSize = reader.int("pushBatchSize", default: 0, minimum: 0)
        self.sshCommandTimeout = reader.duration("sshCommandTimeout", default: .zero, defaultUnit: .seconds)
        self.sshConnectionTimeout = reader.duration(
            "sshConnectionTimeout",
            default: .seconds(120),
            defaultUnit: .milliseconds
        )
        self.useLegacyCredentials = reader.bool("useLegacyCredentials", default: false)
        if let entry = reader.all("useLegacyCredentials").first {
            reader.warning(
                .ignoredKey,
                "useLegacyCredentials",
                entry,
                "has no effect: Replicator always reads the plain etc/secure.config beside replication.config"
            )
        }
        if let basePath = reader.string("basePath"), !basePath.isEmpty {
            self.basePath = PathText.resolve(basePath, against: configDirectory)
        }
    }

    package var effectiveOptions: [EffectiveOption] {
        [
            EffectiveOption("basePath", .string(self.basePath), isExtension: true),
            EffectiveOption("replicateOnStartup", .bool(self.replicateOnStartup)),
            EffectiveOption("autoReload", .bool(self.autoReload)),
            EffectiveOption("defaultForceUpdate", .bool(self.defaultForceUpdate)),
            EffectiveOption("maxRefsToLog", .int(self.maxRefsToLog)),
            EffectiveOption("maxRefsToShow", .int(self.maxRefsToShow)),
            EffectiveOption("pushBatchSize", .int(self.pushBatchSize)),
            EffectiveOption("sshCommandTimeout", .duration(self.sshCommandTimeout)),
            EffectiveOption("sshConnectionTimeout", .duration(self.sshConnectionTimeout)),
            EffectiveOption("useLegacyCredentials", .bool(self.useLegacyCredentials)),
        ]
    }
}
