/// The capabilities a server advertised (`gitprotocol-capabilities`): names, some with a value
/// (`agent=git/2.39.5`, `object-format=sha1`).
package struct Capabilities: Hashable, Sendable {
    package private(set) var values: [String: String] = [:]

    package init(_ text: some StringProtocol) {
        for word in text.split(separator: " ") where !word.isEmpty {
            let parts = word.split(separator: "=", maxSplits: 1)
            self.values[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
        }
    }

    package func contains(_ name: String) -> Bool { self.values[name] != nil }

    package subscript(name: String) -> String? { self.values[name] }
}
