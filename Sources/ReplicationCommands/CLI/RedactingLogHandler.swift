import Logging
import ReplicationCore

/// A log handler that keeps URL credentials out of every line (``Credentials/redact(_:)`` on the
/// message and on each metadata value), whatever part of Replicator or libgit2's messages put them
/// there.
struct RedactingLogHandler: LogHandler {
    var inner: any LogHandler

    var logLevel: Logger.Level {
        get { self.inner.logLevel }
        set { self.inner.logLevel = newValue }
    }

    var metadata: Logger.Metadata {
        get { self.inner.metadata }
        set { self.inner.metadata = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.inner[metadataKey: key] }
        set { self.inner[metadataKey: key] = newValue }
    }

    func log(event: LogEvent) {
        var event = event
        event.message = "\(Credentials.redact(event.message.description))"
        event.metadata = event.metadata?.mapValues { .string(Credentials.redact($0.description)) }
        // Above `start`'s progress line, when one is shown.
        TerminalLine.shared.above { self.inner.log(event: event) }
    }
}
