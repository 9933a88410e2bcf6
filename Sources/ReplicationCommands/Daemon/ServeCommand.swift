import ArgumentParser
import Foundation
import Logging
import ReplicationCore
import ReplicationDaemon
import ReplicationGit

/// `replicator serve`: the daemon. Takes events over HTTP (and `--events-from`), keeps them in the
/// durable queue, and pushes them to the mirrors until they are all there.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the replication daemon.",
        discussion: """
            Serves POST /events, GET /status, GET /healthz, GET /healthz/caught-up and GET /metrics on --listen \
            (default replicator.listen, else \(DaemonOptions.defaultListen)). Listening beyond loopback requires \
            replicator.bearerToken. SIGTERM or SIGINT drain: running pushes get replicator.drainTimeout to finish; \
            whatever is left stays queued for the next start.
            """
    )

    @OptionGroup var options: ConfigOptions
    @OptionGroup var storeOptions: StoreOptions

    @Option(name: .long, help: ArgumentHelp("HTTP address.", valueName: "host:port"))
    var listen: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Also read Gerrit stream-events JSON lines from standard input (-) or from a shell command.",
            valueName: "- | command"
        )
    )
    var eventsFrom: String?

    @OptionGroup var log: LogOptions

    func run() async throws {
        let (configuration, snapshot) = try ReplicationConfiguration.loadWithSnapshotForCommand(self.options)
        let address = try ListenAddress(parsing: self.listen ?? configuration.daemon.listen)
        guard address.isLoopback || configuration.daemon.bearerToken != nil else {
            throw ValidationError(
                "listening on \(address) (beyond loopback) requires replicator.bearerToken in the configuration"
            )
        }
        let logger = self.log.makeLogger()
        LibGit2.initialize()
        try await self.storeOptions.withStore(for: configuration, logger: logger, bounded: false) { store in
            let daemon = try await DaemonAssembly.build(
                configuration: configuration,
                snapshot: snapshot,
                configPath: self.options.path,
                store: BoundedTaskStore(store, timeout: configuration.daemon.storeTimeout),
                storeLocation: StoreOptions.redacted(self.storeOptions.location(for: configuration)),
                address: address,
                eventsFrom: self.eventsFrom,
                logger: logger
            )
            try await daemon.run()
        }
    }
}

/// `HOST:PORT`, with `[v6]:PORT`.
struct ListenAddress: CustomStringConvertible {
    var host: String
    var port: Int

    init(parsing text: String) throws {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (0...65535).contains(port)
        else {
            throw ValidationError("invalid listen address '\(text)': expected HOST:PORT")
        }
        self.host = String(text[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        self.port = port
    }

    /// Whether every address the host resolves to is a loopback address (127.0.0.0/8, ::1): a name
    /// such as `127.evil.example` is judged by where it points, not by how it is spelled.
    var isLoopback: Bool {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var results: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(self.host, nil, &hints, &results) == 0, let first = results else { return false }
        defer { freeaddrinfo(first) }
        var current: UnsafeMutablePointer<addrinfo>? = first
        while let entry = current {
            guard let address = entry.pointee.ai_addr, Self.isLoopback(address) else { return false }
            current = entry.pointee.ai_next
        }
        return true
    }

    private static func isLoopback(_ address: UnsafeMutablePointer<sockaddr>) -> Bool {
        switch Int32(address.pointee.sa_family) {
        case AF_INET:
            return address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                UInt32(bigEndian: $0.pointee.sin_addr.s_addr) >> 24 == 127
            }
        case AF_INET6:
            return address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
                withUnsafeBytes(of: $0.pointee.sin6_addr) { bytes in
                    bytes.dropLast().allSatisfy { $0 == 0 } && bytes.last == 1
                }
            }
        default:
            return false
        }
    }

    var description: String { "\(self.host):\(self.port)" }
}
