public import ArgumentParser
import Foundation
import ReplicationCore

/// `replicator`: the root command.
public struct ReplicatorCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "replicator",
        abstract: "Replicates git repositories to mirrors, reading Gerrit's replication.config.",
        version: ReplicatorVersion.text,
        subcommands: [
            ConfigCommand.self, ServeCommand.self, StartCommand.self, NotifyCommand.self, HookCommand.self,
            StatusCommand.self, ListCommand.self, VerifyCommand.self, ExplainCommand.self, WaitCommand.self,
            StoreCommand.self,
            AllowDeletionsCommand.self,
            VersionCommand.self,
            PushWorkerCommand.self,
        ]
    )

    public init() {}

    /// Parses the process arguments and runs the command. Usage errors exit with status 2, as the
    /// documented interface promises (argument-parser's own default is 64).
    public static func runAsMain(arguments: [String] = Array(CommandLine.arguments.dropFirst())) async {
        // A reader that went away (a push worker, a closed pipe) is an error to report at the write,
        // never a signal that kills the daemon.
        signal(SIGPIPE, SIG_IGN)
        do {
            var command = try Self.parseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            Self.exitForError(error)
        }
    }

    private static func exitForError(_ error: any Error) -> Never {
        let code = Self.exitCode(for: error)
        guard code == .validationFailure else { Self.exit(withError: error) }
        let message = Self.fullMessage(for: error)
        try? FileHandle.standardError.write(contentsOf: Data((message + "\n").utf8))
        Foundation.exit(ExitStatus.usage)
    }
}

/// Exit statuses shared by every command.
package enum ExitStatus {
    package static let success: Int32 = 0
    package static let failure: Int32 = 1
    package static let usage: Int32 = 2
    /// `wait`: the ref was refused, is out of scope, or a URL fails permanently (waiting longer will not help).
    package static let refused: Int32 = 3
    /// `wait`: the project, or the ref (without `--deleted`), does not exist at the source.
    package static let notFound: Int32 = 4
}
