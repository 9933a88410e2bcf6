import ArgumentParser
import Foundation
import ReplicationCore
import ReplicationDaemon

/// `replicator hook post-receive`: install as (or call from) a repository's `hooks/post-receive`.
struct HookCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hook",
        abstract: "Git hooks that queue ref updates for replication.",
        subcommands: [PostReceiveHook.self]
    )
}

/// Reads `OLD NEW REF` lines as git passes them and queues one event with every ref.
struct PostReceiveHook: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "post-receive",
        abstract: "Queue the refs git passes on standard input (OLD NEW REF per line).",
        discussion: """
            Without --project, the project is the repository git runs the hook in ($GIT_DIR, else the current \
            directory), relative to gerrit.basePath. Exit status 1 (git only prints it) when the queue cannot \
            take the event.
            """
    )

    @OptionGroup var options: ConfigOptions
    @OptionGroup var storeOptions: StoreOptions

    @Option(name: .long, help: ArgumentHelp("The project, when not the hook's repository.", valueName: "name"))
    var project: String?

    func run() async throws {
        let configuration = try ReplicationConfiguration.loadForCommand(self.options)
        let project = try self.project ?? Self.projectOfCurrentRepository(basePath: configuration.gerrit.basePath)
        if let problem = ProjectName.problem(with: project) {
            throw ValidationError("invalid project '\(project)': \(problem)")
        }
        try RefArguments.requireProject(project, in: configuration)
        let (refs, values) = try Self.refs(from: FileHandle.standardInput.readDataToEndOfFile())
        guard !refs.isEmpty else { return }
        let event = ReplicationEvent.refUpdated(project: project, refs: refs, values: values)
        _ = try await self.storeOptions.withStore(for: configuration) { store in
            try await store.append([event], source: .hook, wantsOutcomes: false)
        }
    }

    /// The ref names of `OLD NEW REF` lines, and the values git reported for each (what proves a
    /// deletion on the mirrors).
    static func refs(from input: Data) throws -> (refs: [String], values: [String: [String]]) {
        let lines = String(decoding: input, as: UTF8.self).split(whereSeparator: \.isNewline)
        var values: [String: [String]] = [:]
        let refs = try lines.map { line in
            let fields = line.split(separator: " ")
            guard fields.count == 3, fields[0...1].allSatisfy(Self.isObjectID) else {
                throw ValidationError("expected 'OLD NEW REF' on standard input, got '\(line)'")
            }
            let ref = try RefArguments.normalize([String(fields[2])])[0]
            values[ref, default: []] += ReplicationEvent.values(old: String(fields[0]), new: String(fields[1]))
            return ref
        }
        return (refs, values)
    }

    /// SHA-1 or SHA-256 object ids, in hexadecimal.
    private static func isObjectID(_ text: Substring) -> Bool {
        [40, 64].contains(text.count) && text.allSatisfy(\.isHexDigit)
    }

    private static func projectOfCurrentRepository(basePath: String) throws -> String {
        let directory = ProcessInfo.processInfo.environment["GIT_DIR"] ?? FileManager.default.currentDirectoryPath
        let path = URL(fileURLWithPath: directory).standardizedFileURL.resolvingSymlinksInPath().path
        let base = URL(fileURLWithPath: basePath).standardizedFileURL.resolvingSymlinksInPath().path
        guard path.hasPrefix(base + "/"), path.hasSuffix(".git") else {
            throw ValidationError("\(path) is not a repository under gerrit.basePath \(base); pass --project")
        }
        return String(path.dropFirst(base.count + 1).dropLast(".git".count))
    }
}
