/// Why a refspec could not be parsed.
package struct RefSpecError: Error, Hashable, Sendable, CustomStringConvertible {
    package enum Code: String, Hashable, Sendable {
        case empty
        case negativeAndForced
        case negativeWithDestination
        case invalidWildcards
        case invalidRefName
        case emptyDestination
    }

    package var code: Code
    package var refSpec: String
    package var message: String

    package init(_ code: Code, refSpec: String, _ message: String) {
        self.code = code
        self.refSpec = refSpec
        self.message = message
    }

    package var description: String { "invalid refspec '\(self.refSpec)': \(self.message)" }
}
