import ReplicationCore
import Testing

struct ProjectFilterTests {
    @Test(arguments: [
        ("^apps/.*", "apps/x", true),
        ("^apps/.*", "xapps/x", false),  // the regex must match the whole name
        ("^apps", "apps/x", false),
        ("^(?:(?!apps\\/).)*$", "mediawiki/core", true),  // the seed's inverse pattern
        ("^(?:(?!apps\\/).)*$", "apps/android", false),
        ("team/*", "team/a/b", true),
        ("team/*", "teams", false),
        ("*", "anything", true),
        ("exact", "exact", true),
        ("exact", "Exact", false),
        ("exact", "exact2", false),
    ])
    func matchesPattern(pattern: String, project: String, matches: Bool) throws {
        #expect(try ProjectPattern(pattern).matches(project) == matches)
    }

    @Test func reportsMalformedRegex() {
        let error = #expect(throws: RegexSyntaxError.self) { try ProjectPattern("^foo(") }
        #expect(error?.pattern == "^foo(")
    }

    @Test(arguments: [
        ([], [], "any", true),
        (["a", "b*"], [], "b/x", true),
        (["a", "b*"], [], "c", false),
        ([], ["^excl.*"], "excluded", false),
        ([], ["^excl.*"], "kept", true),
        (["p"], ["p"], "p", false),  // reference I19
    ])
    func combinesIncludesAndExcludes(includes: [String], excludes: [String], project: String, expected: Bool) throws {
        let filter = ProjectFilter(
            includes: try includes.map { try ProjectPattern($0) },
            excludes: try excludes.map { try ProjectPattern($0) }
        )
        #expect(filter.matches(project) == expected)
    }

    @Test(
        arguments: [(["foo"], "foo"), (["foo*"], nil), (["^foo"], nil), (["a", "b"], nil), ([], nil)]
            as [([String], String?)]
    )
    func detectsSingleProject(includes: [String], expected: String?) throws {
        let filter = ProjectFilter(includes: try includes.map { try ProjectPattern($0) })
        #expect(filter.singleProject == expected)
    }
}
