import ReplicationCore
import Testing

struct URLTemplateTests {
    private static func expand(_ template: String, _ project: String, _ style: RemoteNameStyle = .slash) throws
        -> String
    {
        let url = try RemoteURL(parsing: template)
        return URLTemplate(text: template, url: url).expand(project: project, style: style).description
    }

    @Test(
        arguments: [
            (
                "git@github.com:wikimedia/${name}", RemoteURL.Transport.ssh, "git", "github.com", nil,
                "wikimedia/${name}"
            ),
            ("host:/git/${name}.git", .ssh, nil, "host", nil, "/git/${name}.git"),
            (
                "ssh://gerrit2@host-one.example.com:29418/${name}.git", .ssh, "gerrit2", "host-one.example.com", 29_418,
                "/${name}.git"
            ),
            ("ssh://git@[::1]:2222/srv/${name}.git", .ssh, "git", "::1", 2_222, "/srv/${name}.git"),
            ("[git@localhost:2222]:srv/${name}.git", .ssh, "git", "localhost", 2_222, "srv/${name}.git"),
            ("file:///srv/mirror/${name}.git", .local, nil, nil, nil, "/srv/mirror/${name}.git"),
            ("/srv/mirror/${name}.git", .local, nil, nil, nil, "/srv/mirror/${name}.git"),
            ("./mirror/a:b/${name}", .local, nil, nil, nil, "./mirror/a:b/${name}"),
            ("https://git.example.com/${name}.git", .https, nil, "git.example.com", nil, "/${name}.git"),
            ("git://host/${name}", .git, nil, "host", nil, "/${name}"),
        ] as [(String, RemoteURL.Transport, String?, String?, Int?, String)]
    )
    func parses(text: String, transport: RemoteURL.Transport, user: String?, host: String?, port: Int?, path: String)
        throws
    {
        let url = try RemoteURL(parsing: text)
        #expect(url.transport == transport)
        #expect(url.user == user)
        #expect(url.host == host)
        #expect(url.port == port)
        #expect(url.path == path)
        #expect(url.description == text)
    }

    /// JGit's URIish cases (Gerrit parses remote URLs with it): the forms it accepts are accepted here,
    /// with its user, password, host and port.
    @Test(
        arguments: [
            ("ssh://user@host:/path", RemoteURL.Transport.ssh, "user", nil, "host", nil, "/path"),
            ("ssh://some-host:/path/to/repository.git", .ssh, nil, nil, "some-host", nil, "/path/to/repository.git"),
            ("ssh://user:pass@example.com:33/some/p ath", .ssh, "user", "pass", "example.com", 33, "/some/p ath"),
            (
                "ssh://DOMAIN\\user:pass@example.com:33/some/p ath", .ssh, "DOMAIN\\user", "pass", "example.com", 33,
                "/some/p ath"
            ),
            ("ssh://%3ax%25:%40%41x@example.com:33/some/p ath", .ssh, ":x%", "@Ax", "example.com", 33, "/some/p ath"),
            ("http://user:secret@pass@host.xy:80/some/path", .http, "user", "secret@pass", "host.xy", 80, "/some/path"),
            ("git+ssh://example.com/some/p ath", .ssh, nil, nil, "example.com", nil, "/some/p ath"),
            ("ssh+git://example.com/some/p ath", .ssh, nil, nil, "example.com", nil, "/some/p ath"),
            ("git://example.com:333/home/m y", .git, nil, nil, "example.com", 333, "/home/m y"),
            ("example.com:some/p ath", .ssh, nil, nil, "example.com", nil, "some/p ath"),
            ("user@example.com:some/p ath", .ssh, "user", nil, "example.com", nil, "some/p ath"),
            ("example.com:/some/p ath", .ssh, nil, nil, "example.com", nil, "/some/p ath"),
            ("file:///home/m y", .local, nil, nil, nil, nil, "/home/m y"),
            ("file:/a/b.txt", .local, nil, nil, nil, nil, "/a/b.txt"),
            ("/home/m y", .local, nil, nil, nil, nil, "/home/m y"),
            ("../../foo/bar", .local, nil, nil, nil, nil, "../../foo/bar"),
            ("/~some/p ath", .local, nil, nil, nil, nil, "/~some/p ath"),
        ] as [(String, RemoteURL.Transport, String?, String?, String?, Int?, String)]
    )
    func parsesJGitsForms(
        text: String,
        transport: RemoteURL.Transport,
        user: String?,
        password: String?,
        host: String?,
        port: Int?,
        path: String
    ) throws {
        let url = try RemoteURL(parsing: text)
        #expect(url.transport == transport)
        #expect(url.user == user)
        #expect(url.password == password)
        #expect(url.host == host)
        #expect(url.port == port)
        #expect(url.path == path)
        #expect(url.description == text, "written back as given")
    }

    @Test(arguments: ["", "ssh://host", "ssh://:22/x", "ssh://host:99999/x", "host:", "file://relative/path"])
    func rejectsInvalidURLs(text: String) {
        #expect(throws: RemoteURLError.self) { try RemoteURL(parsing: text) }
    }

    /// Gerrit's `needsUrlEscaping` (docs/gerrit-behaviour.md, C22).
    @Test(arguments: [
        ("http://host/path", true), ("https://host/path", true), ("amazon-s3://bucket/path", true),
        ("host:path", false), ("user@host:path", false), ("git://host/path", false), ("ssh://host/path", false),
    ])
    func escapesOnlyHTTPPaths(text: String, escapes: Bool) throws {
        #expect(try RemoteURL(parsing: text).escapesPath == escapes)
    }

    /// Gerrit's escaping tests (docs/gerrit-behaviour.md, C22).
    @Test(arguments: [
        ("foo/bar/thing", "foo/bar/thing"),
        ("-- All Projects --", "--%20All%20Projects%20--"),
        ("name/with a space", "name/with%20a%20space"),
        ("name\nwith-LF", "name%0Awith-LF"),
    ])
    func escapesLikeGuava(name: String, escaped: String) {
        #expect(PathSegmentEscaping.escape(name) == escaped)
    }

    @Test func escapesGerritsAwkwardProjectName() throws {
        let project = "key=a-value=1, --option1 \"OPTION_VALUE_1\" --option-2 <option_VALUE-2> --option-without-value"
        let expanded = try Self.expand("https://git.server.example.com/${name}.git", project)
        let tail =
            "key=a-value=1,%20--option1%20%22OPTION_VALUE_1%22%20--option-2%20%3Coption_VALUE-2%3E%20--option-without-value.git"
        #expect(expanded == "https://git.server.example.com/" + tail)
    }

    /// docs/gerrit-behaviour.md, C21 and C22, and the motivating report's GitHub remote.
    @Test(arguments: [
        ("host:/git/${name}.git", "a/b/c", RemoteNameStyle.slash, "host:/git/a/b/c.git"),
        ("host:/git/${name}.git", "a/b/c", .dash, "host:/git/a-b-c.git"),
        ("host:/git/${name}.git", "a/b/c", .underscore, "host:/git/a_b_c.git"),
        ("host:/git/${name}.git", "a/b/c", .basenameOnly, "host:/git/c.git"),
        ("host:/git/${name}.git", "a/b/c.d", .basenameOnly, "host:/git/c.git"),
        ("https://h/${name}.git", "x/y z", .slash, "https://h/x/y%20z.git"),
        ("git@github.com:wikimedia/${name}", "mediawiki/core", .dash, "git@github.com:wikimedia/mediawiki-core"),
        ("/srv/${name}/${name}.git", "p", .slash, "/srv/p/p.git"),
        ("ssh://${name}.example.com/${name}.git", "p", .slash, "ssh://${name}.example.com/p.git"),
    ])
    func expandsNames(template: String, project: String, style: RemoteNameStyle, expected: String) throws {
        #expect(try Self.expand(template, project, style) == expected)
    }

    @Test func placeholderCountsOnlyInThePath() throws {
        let template = "ssh://${name}.example.com/repo.git"
        #expect(!URLTemplate(text: template, url: try RemoteURL(parsing: template)).hasNamePlaceholder)
    }

    @Test(arguments: [
        ("/a/b/../c/./d", "/a/c/d"), ("a/../../b", "../b"), ("/..", "/"), ("./x", "x"), ("", "."),
    ])
    func normalizesPaths(path: String, expected: String) {
        #expect(PathText.normalize(path) == expected)
    }

    @Test func resolvesRelativePathsAgainstABase() {
        #expect(PathText.resolve("../git", against: "/site/etc") == "/site/git")
        #expect(PathText.resolve("/abs", against: "/site/etc") == "/abs")
        #expect(PathText.resolve("~/keys/id", against: "/site/etc") == "~/keys/id")
    }
}
