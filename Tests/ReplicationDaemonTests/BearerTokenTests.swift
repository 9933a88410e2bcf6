import ReplicationDaemon
import ReplicationTestSupport
import Testing

@Suite(.offThePool)
struct BearerTokenTests {
    @Test(arguments: ["Bearer Tokén", "bearer Tokén", "BEARER Tokén"])
    func theSchemeIsCaseInsensitive(header: String) {
        #expect(BearerToken.isPresented("Tokén", in: header))
    }

    @Test(arguments: [
        "Bearer Toke\u{301}n", "Bearer tokén", "Bearer Tokén ", "Bearer Toké", "Basic Tokén", "Bearer", "",
    ])
    func anythingButTheSameBytesIsRefused(header: String) {
        #expect(!BearerToken.isPresented("Tokén", in: header), "Unicode-equivalent is not equal: \(header)")
    }
}
