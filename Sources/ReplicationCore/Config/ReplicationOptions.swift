/// The `[replication]` section.
package struct ReplicationOptions: Hashable, Sendable {
    package var distributionInterval = 0
    package var updateRefErrorMaxRetries = 0
    package var maxRetries = 0
    package var eventsDirectory: String?
    package var rsyncPath = "rsync"

    package init() {}

    init(reading reader: inout SectionReader, configDirectory: String) {
        self.distributionInterval = reader.int("distributionInterval", default: 0, minimum: 0, unit: .seconds)
        // Gerrit: updateRefErrorMaxRetries, else the legacy lockErrorMaxRetries, else 0.
        let legacy = reader.int("lockErrorMaxRetries", default: 0, minimum: 0)
        self.updateRefErrorMaxRetries = reader.int("updateRefErrorMaxRetries", default: legacy, minimum: 0)
        self.maxRetries = reader.int("maxRetries", default: 0, minimum: 0)
        if let directory = reader.string("eventsDirectory"), !directory.isEmpty {
            self.eventsDirectory = PathText.resolve(directory, against: configDirectory)
        }
        self.rsyncPath = reader.string("rsyncPath") ?? "rsync"
        if self.distributionInterval > 0, let entry = reader.all("distributionInterval").last {
            let message =
                "Gerrit's multi-primary distributor has no counterpart here (nodes share replicator.store); its one effect is that pushes are not batched (pushBatchSize)"
            reader.warning(.surprisingValue, "distributionInterval", entry, message)
        }
        let ignored = [
            ("eventsDirectory", "has no effect: Replicator keeps its events in replicator.store"),
            ("rsyncPath", "has no effect: Replicator runs no rsync"),
        ]
        for (key, reason) in ignored {
            if let entry = reader.all(key).first { reader.warning(.ignoredKey, key, entry, reason) }
        }
    }

    package var effectiveOptions: [EffectiveOption] {
        [
            EffectiveOption("distributionInterval", .duration(.seconds(self.distributionInterval))),
            EffectiveOption("updateRefErrorMaxRetries", .int(self.updateRefErrorMaxRetries)),
            EffectiveOption("maxRetries", .int(self.maxRetries)),
            EffectiveOption("eventsDirectory", .string(self.eventsDirectory)),
            EffectiveOption("rsyncPath", .string(self.rsyncPath)),
        ]
    }
}
