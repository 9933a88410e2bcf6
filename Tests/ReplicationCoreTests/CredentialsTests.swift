import ReplicationCore
import Testing

struct CredentialsTests {
    @Test(arguments: [
        ("https://bot:TOKEN@github.com/org/p.git", "https://bot:***@github.com/org/p.git"),
        ("https://TOKEN@github.com/org/p.git", "https://***@github.com/org/p.git"),
        ("ssh://u:pw@host:29418/p", "ssh://u:***@host:29418/p"),
        ("ssh://git@host/p", "ssh://git@host/p"),
        ("postgres://u:pw@db/replicator", "postgres://u:***@db/replicator"),
        (
            "cannot push to https://x:y@h/p: denied; and ssh://a:b@c/d",
            "cannot push to https://x:***@h/p: denied; and ssh://a:***@c/d"
        ),
        ("{\"url\":\"https://t@h/p\"}", "{\"url\":\"https://***@h/p\"}"),
        ("git@github.com:org/p.git", "git@github.com:org/p.git"),
        ("no urls here @ all", "no urls here @ all"),
    ])
    func passwordsAndTokensNeverShow(text: String, shown: String) {
        #expect(Credentials.redact(text) == shown)
    }
}
