// swift-tools-version:6.1
import PackageDescription

let argumentParser = Target.Dependency.product(name: "ArgumentParser", package: "swift-argument-parser")
let logging = Target.Dependency.product(name: "Logging", package: "swift-log")
let grdb = Target.Dependency.product(name: "GRDB", package: "GRDB.swift")
let grdbSQLite = Target.Dependency.product(name: "GRDBSQLite", package: "GRDB.swift")
let hummingbird = Target.Dependency.product(name: "Hummingbird", package: "hummingbird")
let nioCore = Target.Dependency.product(name: "NIOCore", package: "swift-nio")
let postgres = Target.Dependency.product(name: "PostgresNIO", package: "postgres-nio")
let prometheus = Target.Dependency.product(name: "Prometheus", package: "swift-prometheus")
let serviceLifecycle = Target.Dependency.product(name: "ServiceLifecycle", package: "swift-service-lifecycle")
let unixSignals = Target.Dependency.product(name: "UnixSignals", package: "swift-service-lifecycle")
let httpClient = Target.Dependency.product(name: "AsyncHTTPClient", package: "async-http-client")
let nioHTTP1 = Target.Dependency.product(name: "NIOHTTP1", package: "swift-nio")
let nioSSL = Target.Dependency.product(name: "NIOSSL", package: "swift-nio-ssl")
let crypto = Target.Dependency.product(name: "Crypto", package: "swift-crypto")
let mustache = Target.Dependency.product(name: "Mustache", package: "swift-mustache")
let heap = Target.Dependency.product(name: "HeapModule", package: "swift-collections")

let package = Package(
    name: "replicator",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "replicator", targets: ["replicator"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.1.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.0.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.0"),
    ],
    targets: [
        // Pure core: configuration, refspecs, filters, URL templates. No I/O, no C, no Foundation.
        .target(name: "ReplicationCore", dependencies: [heap]),
        .systemLibrary(
            name: "CLibgit2",
            pkgConfig: "libgit2",
            providers: [.apt(["libgit2-dev"])]
        ),
        .systemLibrary(
            name: "CLibssh2",
            pkgConfig: "libssh2",
            providers: [.apt(["libssh2-1-dev"])]
        ),
        // prctl(PR_SET_PDEATHSIG): push workers die with the process that supervises them.
        .target(name: "CProcessControl"),
        // The only module that touches libgit2 and libssh2; also git's smart-HTTP push (AsyncHTTPClient).
        .target(
            name: "ReplicationGit",
            dependencies: [
                "ReplicationCore", "CLibgit2", "CLibssh2", "CProcessControl", httpClient, nioCore, nioHTTP1, nioSSL,
            ]
        ),
        // The daemon: durable task store, scheduler loop, event intake, HTTP (and webhooks out), metrics. Never imports
        // ReplicationGit: pushes run through the PushExecutor the composition root plugs in.
        .target(
            name: "ReplicationDaemon",
            dependencies: [
                "ReplicationCore", grdb, grdbSQLite, httpClient, hummingbird, logging, mustache, nioCore, postgres,
                prometheus, serviceLifecycle, unixSignals,
            ]
        ),
        // Composition root: CLI commands, file-system adapters.
        .target(
            name: "ReplicationCommands",
            dependencies: [
                "ReplicationCore", "ReplicationGit", "ReplicationDaemon", "CProcessControl", argumentParser,
                crypto, httpClient, logging, nioCore, nioHTTP1, serviceLifecycle,
            ]
        ),
        .executableTarget(name: "replicator", dependencies: ["ReplicationCommands", "CProcessControl"]),
        .executableTarget(
            name: "replicator-benchmarks",
            dependencies: ["ReplicationCore"],
            path: "Benchmarks/ConfigParsing"
        ),
        // Fixtures shared by the test targets: temporary repositories, a real sshd, git CLI helpers.
        .target(
            name: "ReplicationTestSupport",
            dependencies: ["CProcessControl"],
            path: "Tests/ReplicationTestSupport",
            exclude: ["smart_http_server.py", "webhook_receiver.py", "fake_receive_pack.py"]
        ),
        .testTarget(
            name: "ReplicationCoreTests",
            dependencies: ["ReplicationCore", .product(name: "PropertyBased", package: "swift-property-based")]
        ),
        .testTarget(
            name: "ReplicationGitTests",
            dependencies: ["ReplicationGit", "ReplicationCore", "ReplicationTestSupport"]
        ),
        .testTarget(
            name: "ReplicationDaemonTests",
            dependencies: [
                "ReplicationDaemon", "ReplicationCore", "ReplicationTestSupport", grdb, logging, serviceLifecycle,
                hummingbird,
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(
            name: "ReplicationCommandsTests",
            dependencies: ["ReplicationCommands", "ReplicationCore", "ReplicationTestSupport"]
        ),
    ]
)

for target in package.targets where target.type != .system && target.name != "CProcessControl" {
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    settings.append(.enableUpcomingFeature("MemberImportVisibility"))
    settings.append(.enableUpcomingFeature("InternalImportsByDefault"))
    target.swiftSettings = settings
}
