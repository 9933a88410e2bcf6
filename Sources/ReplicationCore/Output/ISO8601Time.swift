import Foundation

/// How every JSON document writes a point in time: ISO 8601 in UTC, to the second
/// (`2026-12-03T10:38:23Z`).
package enum ISO8601Time {
    package static func text(secondsSince1970 seconds: Double) -> String {
        Date(timeIntervalSince1970: seconds).formatted(.iso8601)
    }
}
