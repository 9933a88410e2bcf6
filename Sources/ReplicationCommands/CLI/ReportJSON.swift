import Foundation
import ReplicationCore

/// The commands' JSON: indented, keys sorted, slashes as they are, with `schemaVersion` (`docs/json.md`).
enum ReportJSON {
    static func text(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(SchemaVersioned(value)), as: UTF8.self) + "\n"
    }
}
