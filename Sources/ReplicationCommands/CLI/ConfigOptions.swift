import ArgumentParser
import Foundation

/// `--config FILE`, shared by every command that reads the configuration.
struct ConfigOptions: ParsableArguments {
    static let defaultPath = "/etc/replicator/replication.config"
    static let environmentVariable = "REPLICATOR_CONFIG"

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The replication.config to read.",
            discussion: "Default: $\(Self.environmentVariable) when set, else \(Self.defaultPath).",
            valueName: "file"
        )
    )
    var config: String?

    /// The configuration path, absolute.
    var path: String {
        let chosen = self.config ?? ProcessInfo.processInfo.environment[Self.environmentVariable] ?? Self.defaultPath
        return LocalConfigFileSystem.absolute(chosen)
    }
}
