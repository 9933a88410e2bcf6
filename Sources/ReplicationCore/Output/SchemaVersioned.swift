/// The version of every JSON document Replicator prints or serves (`docs/json.md`): raised when a
/// field is renamed, removed or changes meaning; adding a field keeps it.
package enum JSONSchemaVersion {
    package static let current = 1
}

/// A JSON document as commands print it and routes answer it: the value's own keys plus
/// `schemaVersion`, so every output carries its version in the same place.
package struct SchemaVersioned<Document: Encodable>: Encodable {
    package var document: Document

    package init(_ document: Document) {
        self.document = document
    }

    private enum Keys: String, CodingKey {
        case schemaVersion
    }

    package func encode(to encoder: any Encoder) throws {
        try self.document.encode(to: encoder)
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(JSONSchemaVersion.current, forKey: .schemaVersion)
    }
}
