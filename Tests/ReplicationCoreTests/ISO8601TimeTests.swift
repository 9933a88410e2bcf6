import Foundation
import ReplicationCore
import Testing

/// The core writes times without Foundation; Foundation's own ISO 8601 formatting is the oracle.
struct ISO8601TimeTests {
    @Test func knownInstants() {
        #expect(ISO8601Time.text(secondsSince1970: 0) == "1970-01-01T00:00:00Z")
        #expect(ISO8601Time.text(secondsSince1970: 1_796_294_303.695_602) == "2026-12-03T10:38:23Z")
        #expect(ISO8601Time.text(secondsSince1970: 951_782_400) == "2000-02-29T00:00:00Z")
        #expect(ISO8601Time.text(secondsSince1970: -1) == "1969-12-31T23:59:59Z")
    }

    @Test func agreesWithFoundationAcrossCenturies() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let seconds = Double.random(in: -2_000_000_000...6_000_000_000, using: &generator)
            let expected = Date(timeIntervalSince1970: seconds.rounded(.down)).formatted(.iso8601)
            #expect(ISO8601Time.text(secondsSince1970: seconds) == expected, "\(seconds)")
        }
    }
}
