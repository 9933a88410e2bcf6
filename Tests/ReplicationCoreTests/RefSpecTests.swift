import ReplicationCore
import Testing

struct RefSpecTests {
    @Test(arguments: [
        // text, canonical form, forced, negative, wildcard
        ("refs/heads/*:refs/heads/*", "refs/heads/*:refs/heads/*", false, false, true),
        ("+refs/heads/*:refs/heads/*", "+refs/heads/*:refs/heads/*", true, false, true),
        ("refs/heads/master", "refs/heads/master:refs/heads/master", false, false, false),
        ("+refs/heads/*", "+refs/heads/*:refs/heads/*", true, false, true),
        ("refs/heads/master:refs/heads/backup", "refs/heads/master:refs/heads/backup", false, false, false),
        (":", "refs/heads/*:refs/heads/*", false, false, true),
        ("^refs/heads/secret", "^refs/heads/secret", false, true, false),
        ("^refs/heads/wip-*", "^refs/heads/wip-*", false, true, true),
        ("refs/*/heads:refs/*/heads", "refs/*/heads:refs/*/heads", false, false, true),
        ("refs/heads/foo*:refs/heads/bar*", "refs/heads/foo*:refs/heads/bar*", false, false, true),
        ("HEAD:refs/heads/main", "HEAD:refs/heads/main", false, false, false),
        (":refs/heads/gone", ":refs/heads/gone", false, false, false),
    ])
    func parses(text: String, canonical: String, forced: Bool, negative: Bool, wildcard: Bool) throws {
        let spec = try RefSpec(parsing: text)
        #expect(spec.description == canonical)
        #expect(spec.isForced == forced)
        #expect(spec.isNegative == negative)
        #expect(spec.isWildcard == wildcard)
    }

    @Test(arguments: [
        ("", RefSpecError.Code.empty),
        ("+^refs/heads/x", .negativeAndForced),
        ("^+refs/heads/x", .negativeAndForced),
        ("^refs/heads/x:refs/heads/y", .negativeWithDestination),
        ("refs/heads/*:refs/heads/x", .invalidWildcards),
        ("refs/heads/x:refs/heads/*", .invalidWildcards),
        ("refs/*/heads/*:refs/*/heads/*", .invalidRefName),
        (":refs/heads/*", .invalidWildcards),
        ("refs/heads/x:", .emptyDestination),
        ("refs/heads/a..b:refs/heads/c", .invalidRefName),
        ("refs/heads/a b:refs/heads/c", .invalidRefName),
        ("/refs/heads/a:refs/heads/a", .invalidRefName),
        ("refs//heads/a:refs/heads/a", .invalidRefName),
        ("refs/heads/a/:refs/heads/a", .invalidRefName),
        ("refs/heads/a.lock:refs/heads/a", .invalidRefName),
        ("refs/heads/.a:refs/heads/a", .invalidRefName),
        ("refs/heads/a@{1}:refs/heads/a", .invalidRefName),
        ("refs/heads/a?:refs/heads/a", .invalidRefName),
        ("refs/heads/a[:refs/heads/a", .invalidRefName),
        ("refs/heads/a~1:refs/heads/a", .invalidRefName),
        ("refs/heads/a\\b:refs/heads/a", .invalidRefName),
        ("refs/heads/a.:refs/heads/a", .invalidRefName),
    ])
    func rejects(text: String, code: RefSpecError.Code) {
        let error = #expect(throws: RefSpecError.self) { try RefSpec(parsing: text) }
        #expect(error?.code == code)
        #expect(error?.description.contains("'\(text)'") == true)
    }

    /// JGit's matching and expansion examples (docs/gerrit-behaviour.md, "Refspecs").
    @Test(arguments: [
        ("+refs/heads/*:refs/heads/*", "refs/heads/a/b", "refs/heads/a/b", true),
        ("refs/pull/*/head:refs/remotes/pr/*", "refs/pull/12/head", "refs/remotes/pr/12", false),
        ("refs/*/heads:refs/*/heads", "refs/x/y/heads", "refs/x/y/heads", false),
        ("*:*", "HEAD", "HEAD", false),
        ("refs/heads/master:refs/heads/backup", "refs/heads/master", "refs/heads/backup", false),
    ])
    func expandsFromSource(spec text: String, source: String, destination: String, forced: Bool) throws {
        let mapping = try #require(try RefSpec(parsing: text).expand(fromSource: source))
        #expect(mapping.destination == destination)
        #expect(mapping.isForced == forced)
    }

    @Test(arguments: [
        ("refs/heads/*:refs/backup/*", "refs/backup/x", "refs/heads/x"),
        ("refs/pull/*/head:refs/remotes/pr/*", "refs/remotes/pr/7", "refs/pull/7/head"),
    ])
    func expandsFromDestination(spec text: String, destination: String, source: String) throws {
        let mapping = try #require(try RefSpec(parsing: text).expand(fromDestination: destination))
        #expect(mapping.source == source)
    }

    @Test(arguments: [
        ("refs/*:refs/*", "HEAD"),
        ("refs/heads/foo*:refs/heads/foo*", "refs/heads/foo"),  // '*' matches one or more characters
        ("refs/heads/*:refs/heads/*", "refs/heads/"),
        ("refs/heads/*:refs/heads/*", "refs/tags/v1"),
        ("refs/heads/master:refs/heads/master", "refs/heads/master2"),
        (":refs/heads/gone", "refs/heads/gone"),  // a delete spec has no source to match
    ])
    func doesNotMatchSource(spec text: String, source: String) throws {
        let spec = try RefSpec(parsing: text)
        #expect(!spec.matchesSource(source))
        #expect(spec.expand(fromSource: source) == nil)
    }

    @Test func matchesWildcardAcrossSlashesAndInsideComponents() throws {
        let spec = try RefSpec(parsing: "refs/heads/foo*:refs/heads/foo*")
        #expect(spec.matchesSource("refs/heads/foo1"))
        #expect(spec.matchesSource("refs/heads/foo/bar"))
        #expect(spec.matchesDestination("refs/heads/foox"))
    }

    @Test func negativeSpecsNeverExpand() throws {
        let negative = try RefSpec(parsing: "^refs/heads/secret")
        #expect(negative.matchesSource("refs/heads/secret"))
        #expect(negative.expand(fromSource: "refs/heads/secret") == nil)
        #expect(negative.expand(fromDestination: "refs/heads/secret") == nil)
    }
}

struct PushRefSpecsTests {
    private static func specs(_ lines: String...) throws -> PushRefSpecs {
        PushRefSpecs(try lines.map { try RefSpec(parsing: $0) })
    }

    /// docs/gerrit-behaviour.md, C12: first match wins, unlike `git push`.
    @Test func firstMatchWins() throws {
        let specs = try Self.specs("refs/heads/*:refs/heads/*", "refs/heads/*:refs/backup/*")
        #expect(specs.mapping(forSource: "refs/heads/master")?.destination == "refs/heads/master")
        #expect(specs.mapping(forDestination: "refs/backup/gone")?.source == "refs/heads/gone")
    }

    @Test func negativeSpecExcludesSourcesWhereverItIsListed() throws {
        for order in [
            ["^refs/heads/secret", "+refs/heads/*:refs/heads/*"], ["+refs/heads/*:refs/heads/*", "^refs/heads/secret"],
        ] {
            let specs = PushRefSpecs(try order.map { try RefSpec(parsing: $0) })
            #expect(specs.mapping(forSource: "refs/heads/secret") == nil)
            #expect(specs.isExcluded(source: "refs/heads/secret"))
            #expect(specs.mapping(forSource: "refs/heads/main")?.destination == "refs/heads/main")
        }
    }

    @Test func negativeWildcardExcludesAFamily() throws {
        let specs = try Self.specs("+refs/*:refs/*", "^refs/pull/*")
        #expect(specs.mapping(forSource: "refs/pull/1/head") == nil)
        #expect(specs.mapping(forSource: "refs/heads/main") != nil)
    }

    @Test func destinationLookupLeavesNegativeDecisionToCaller() throws {
        let specs = try Self.specs("+refs/heads/*:refs/heads/*", "^refs/heads/secret")
        let mapping = try #require(specs.mapping(forDestination: "refs/heads/secret"))
        #expect(mapping.source == "refs/heads/secret")
        #expect(specs.isExcluded(source: mapping.source))
    }

    /// Two lines feed `refs/heads/tags/v1` (docs/gerrit-behaviour.md, C14): each
    /// source that exists keeps the destination from being deleted, the first line first.
    @Test func findsTheSourceFeedingADestinationThroughEveryLine() throws {
        let specs = try Self.specs("+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/heads/tags/*")
        let destination = "refs/heads/tags/v1"
        #expect(specs.firstSource(feeding: destination) { $0 == "refs/tags/v1" } == "refs/tags/v1")
        #expect(specs.firstSource(feeding: destination) { _ in true } == "refs/heads/tags/v1")
        #expect(specs.firstSource(feeding: destination) { _ in false } == nil)
    }
}

struct RefPatternTests {
    @Test(arguments: [
        ("refs/heads/*", "refs/heads/main", true),
        ("refs/heads/*", "refs/*", true),
        ("refs/heads/*", "refs/tags/*", false),
        ("refs/*/head", "refs/pull/*", true),
        ("refs/heads/a", "refs/heads/a", true),
        ("refs/heads/a", "refs/heads/b", false),
        ("refs/tags/*", "refs/heads/tags/*", false),
        ("refs/heads/*", "refs/heads/tags/*", true),
    ])
    func detectsOverlap(first: String, second: String, overlaps: Bool) {
        #expect(RefPattern(first).overlaps(RefPattern(second)) == overlaps)
        #expect(RefPattern(second).overlaps(RefPattern(first)) == overlaps)
    }

    @Test(arguments: [
        ("refs/heads/*", "refs/*", true),
        ("refs/*", "refs/heads/*", false),
        ("refs/heads/main", "refs/heads/*", true),
        ("refs/heads/*", "refs/heads/main", false),
        ("refs/heads/x/*", "refs/heads/*", true),
    ])
    func detectsCoverage(pattern: String, by other: String, covered: Bool) {
        #expect(RefPattern(pattern).isCovered(by: RefPattern(other)) == covered)
    }
}

struct RefNameTests {
    @Test(arguments: ["refs/heads/main", "HEAD", "refs/changes/01/1/meta", "refs/heads/a-b_c.d", "refs/heads/ünï"])
    func acceptsValidNames(name: String) {
        #expect(RefName.problem(with: name) == nil)
    }

    @Test(arguments: [
        ("", "is empty"), ("@", "cannot be '@'"), ("refs/heads/*", "cannot contain '*'"),
        ("refs/heads/x.lock", "'.lock'"), ("refs/heads/\u{07}", "cannot contain"),
        ("refs/heads/a:b", "cannot contain ':'"),
        ("refs/heads/a^", "cannot contain '^'"), ("refs/heads/.hidden", "beginning with '.'"),
    ])
    func rejectsInvalidNames(name: String, problem: String) throws {
        let found = try #require(RefName.problem(with: name))
        #expect(found.contains(problem), "\(found)")
    }
}
