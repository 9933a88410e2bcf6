// swift-tools-version:6.1
import PackageDescription

let argumentParser = Target.Dependency.product(name: "ArgumentParser", package: "swift-argument-parser")
let logging = Target.Dependency.product(name: "Logging", package: "swift-log")

let package = Package(
    name: "replicator",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "replicator", targets: ["replicator"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.0"),
    ],
    targets: [
        // Pure core: configuration, refspecs, filters, URL templates. No I/O, no C, no Foundation.
        .target(name: "ReplicationCore"),
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
        // The only module that touches libgit2 and libssh2.
        .target(name: "ReplicationGit", dependencies: ["ReplicationCore", "CLibgit2", "CLibssh2"]),
        // Composition root: CLI commands, file-system adapters.
        .target(
            name: "ReplicationCommands",
            dependencies: ["ReplicationCore", "ReplicationGit", argumentParser, logging]
        ),
        .executableTarget(name: "replicator", dependencies: ["ReplicationCommands"]),
        .executableTarget(
            name: "replicator-benchmarks",
            dependencies: ["ReplicationCore"],
            path: "Benchmarks/ConfigParsing"
        ),
        // Fixtures shared by the test targets: temporary repositories, a real sshd, git CLI helpers.
        .target(name: "ReplicationTestSupport", path: "Tests/ReplicationTestSupport"),
        .testTarget(name: "ReplicationCoreTests", dependencies: ["ReplicationCore"]),
        .testTarget(
            name: "ReplicationGitTests",
            dependencies: ["ReplicationGit", "ReplicationCore", "ReplicationTestSupport"]
        ),
        .testTarget(
            name: "ReplicationCommandsTests",
            dependencies: ["ReplicationCommands", "ReplicationCore", "ReplicationTestSupport"]
        ),
    ]
)

for target in package.targets where target.type != .system {
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    settings.append(.enableUpcomingFeature("MemberImportVisibility"))
    settings.append(.enableUpcomingFeature("InternalImportsByDefault"))
    target.swiftSettings = settings
}
