/// Why events were refused: the HTTP status to answer with and a reason for the sender.
package struct EventIntakeError: Error, Hashable, Sendable, CustomStringConvertible {
    package enum Code: String, Sendable {
        case malformed
        case invalidProject = "invalid-project"
        case unknownProject = "unknown-project"
        case projectExists = "project-exists"
        case invalidRef = "invalid-ref"
        case unavailable
    }

    package var code: Code
    package var message: String

    package init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    package var description: String { self.message }

    /// 400 for what the sender got wrong, 404 for an unknown project, 409 for deleting a project
    /// that still exists, 503 when the store cannot take events.
    package var httpStatus: Int {
        switch self.code {
        case .malformed, .invalidProject, .invalidRef: 400
        case .unknownProject: 404
        case .projectExists: 409
        case .unavailable: 503
        }
    }
}
