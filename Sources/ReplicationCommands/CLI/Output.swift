import ReplicationCore

/// Every command prints through here: one redaction (``Credentials/redact(_:)``: URL passwords,
/// http(s) tokens, query values) for everything a person or a script reads on standard output.
enum Output {
    static func print(_ text: String, terminator: String = "\n") {
        Swift.print(Credentials.redact(text), terminator: terminator)
    }
}
