import Foundation
import ReplicationCore
import ReplicationGit
import ReplicationTestSupport
import Testing

/// `remote.NAME.pushOption` over the real receive-pack, over the test sshd and a local path.
@Suite(.offThePool)
struct PushOptionTests {
    init() { LibGit2.initialize() }

    /// A pre-receive hook that writes what git gives hooks: the count, then each option.
    static func recordOptions(in mirror: String, to file: String) throws {
        try GitFixtures.installHook(
            "#!/bin/sh\ncat > /dev/null\n{ echo \"${GIT_PUSH_OPTION_COUNT:-none}\"; i=0\n"
                + "while [ \"$i\" -lt \"${GIT_PUSH_OPTION_COUNT:-0}\" ]; do eval \"echo \\\"\\$GIT_PUSH_OPTION_$i\\\"\"; "
                + "i=$((i + 1)); done; } > \(file)\n",
            named: "pre-receive",
            in: mirror
        )
    }

    @Test(arguments: [false, true])
    func pushOptionsReachTheMirrorsHooks(overSSH: Bool) throws {
        let site = try SendPackTests.makeSite(mirrorArguments: [["config", "receive.advertisePushOptions", "true"]])
        let recorded = site.directory.path("options.txt")
        try Self.recordOptions(in: site.mirror, to: recorded)
        let server = try SSHServer()
        var options = SendPackTests.options()
        options.pushOptions = ["ci.skip", "topic=a b"]
        let url = overSSH ? server.url(site.mirror) : site.mirror
        let report = try SendPackTests.push(site, url: url, access: server.access, options: options)
        #expect(report.isSuccess, "\(report.results)")
        #expect(try String(contentsOfFile: recorded, encoding: .utf8) == "2\nci.skip\ntopic=a b\n")
        #expect(try site.refs()["refs/heads/main"] == site.ids["refs/heads/main"])
    }

    /// git's receive-pack does not advertise push options unless asked to: nothing is sent, and
    /// every ref says why (not a push without the options the mirror's hooks may depend on).
    @Test func aMirrorThatTakesNoPushOptionsGetsNothing() throws {
        let site = try SendPackTests.makeSite()
        let recorded = site.directory.path("options.txt")
        try Self.recordOptions(in: site.mirror, to: recorded)
        var options = SendPackTests.options()
        options.pushOptions = ["ci.skip"]
        let report = try SendPackTests.push(site, url: site.mirror, options: options)
        #expect(!report.results.isEmpty)
        #expect(report.results.allSatisfy { $0.status == .failed && $0.message?.contains("push-options") == true })
        #expect(report.failure?.contains("pushOption") == true)
        #expect(try site.refs().isEmpty, "nothing reached the mirror")
        #expect(!FileManager.default.fileExists(atPath: recorded), "no push ran the mirror's hooks")
    }

    /// Without options, a mirror that advertises them gets none: its hooks see a count of 0, as after
    /// a `git push` without `-o`.
    @Test func noOptionsSendNone() throws {
        let site = try SendPackTests.makeSite(mirrorArguments: [["config", "receive.advertisePushOptions", "true"]])
        let recorded = site.directory.path("options.txt")
        try Self.recordOptions(in: site.mirror, to: recorded)
        let report = try SendPackTests.push(site, url: site.mirror, options: SendPackTests.options())
        #expect(report.isSuccess)
        let seen = try String(contentsOfFile: recorded, encoding: .utf8)
        #expect(seen == "0\n", "\(seen)")
    }
}
