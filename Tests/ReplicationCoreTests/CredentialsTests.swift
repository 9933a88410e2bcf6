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
        ("https://hooks.example.com/ci?token=SECRET", "https://hooks.example.com/ci?token=***"),
        ("https://h/x?a=1&token=SECRET#top", "https://h/x?a=***&token=***#top"),
        ("{\"url\":\"http://h:8080/hook?key=SECRET\"} done", "{\"url\":\"http://h:8080/hook?key=***\"} done"),
        ("webhook=\"https://u:pw@h/p?sig=SECRET\"", "webhook=\"https://u:***@h/p?sig=***\""),
        ("https://h/plain/path?", "https://h/plain/path?"),
    ])
    func passwordsAndTokensNeverShow(text: String, shown: String) {
        #expect(Credentials.redact(text) == shown)
    }
}
