import ReplicationCore
import Testing

struct RegexRiskTests {
    @Test(arguments: ["^(a+)+$", "^(a*)*b", "^(x|y+)*", "^((ab)+c)+$", "^(a+){2,}$", "^(.*/)*x$", "^([a-z]+)*$"])
    func nestedQuantifiersAreFlagged(pattern: String) {
        #expect(RegexRisk.nestedQuantifier(in: pattern) != nil)
    }

    @Test(arguments: [
        "^a+$", "^(a|b)+$", "^team/.*", "^(foo)?bar+$", "^[(a+)]+$", "^\\(a+\\)+$", "^(a+)?$", "^(a+){1}$",
    ])
    func ordinaryPatternsAreNot(pattern: String) {
        #expect(RegexRisk.nestedQuantifier(in: pattern) == nil)
    }

    @Test func configCheckWarnsAboutThem() {
        let configuration = ReplicationConfiguration.parse(
            "[remote \"m\"]\n  url = /m/${name}.git\n  projects = ^(a+)+$\n"
        )
        let warning = configuration.diagnostics.first { $0.code == .suspiciousRegex }
        #expect(warning?.message.contains("(a+)+") == true)
        #expect(warning?.location?.line == 3)
        #expect(configuration.isUsable, "a warning: Gerrit accepts the pattern too")
    }
}
