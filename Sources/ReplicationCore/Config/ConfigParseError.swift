/// A syntax error in a git-config file, with its exact position.
package struct ConfigParseError: Error, Hashable, Sendable, CustomStringConvertible {
    package var location: ConfigLocation
    package var message: String

    package init(at location: ConfigLocation, _ message: String) {
        self.location = location
        self.message = message
    }

    package var description: String { "\(self.location): \(self.message)" }
}
