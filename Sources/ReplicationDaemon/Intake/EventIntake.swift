package import Foundation
package import ReplicationCore

/// Every way events arrive (HTTP, `stream-events` on standard input) ends here: decode, check,
/// store durably, wake the engine. Returns only after the store has the events.
package struct EventIntake: Sendable {
    private let store: any EventIntakeStore
    private let projectExists: @Sendable (String) -> Bool
    private let wake: @Sendable () -> Void
    /// Why events cannot be replicated now (the engine cannot read its store), or `nil`.
    private let unavailable: @Sendable () -> String?
    private let decoder = GerritEventDecoder()

    package init(
        store: any EventIntakeStore,
        projectExists: @escaping @Sendable (String) -> Bool,
        wake: @escaping @Sendable () -> Void,
        unavailable: @escaping @Sendable () -> String? = { nil }
    ) {
        self.store = store
        self.projectExists = projectExists
        self.wake = wake
        self.unavailable = unavailable
    }

    /// Decodes and stores a body of Gerrit events; all or nothing.
    package func accept(_ body: Data, source: EventSource) async throws(EventIntakeError) -> GerritEventDecoder.Decoded
    {
        if let reason = self.unavailable() {
            // Stored, they would wait unseen: the sender should hold them and retry.
            throw EventIntakeError(.unavailable, "not replicating: \(reason)")
        }
        let decoded = try self.decoder.decode(body)
        for event in decoded.events {
            let exists = self.projectExists(event.project)
            if event.kind == .projectDeleted, exists {
                // A deletion is proven by the source: its repository must be gone first.
                throw EventIntakeError(
                    .projectExists,
                    "project '\(event.project)' still exists under gerrit.basePath; its mirrors are not deleted"
                )
            }
            if event.kind != .projectDeleted, !exists {
                throw EventIntakeError(.unknownProject, "no such project '\(event.project)' under gerrit.basePath")
            }
        }
        try await self.store(decoded.events, source: source)
        return decoded
    }

    /// ``accept(_:source:)`` for a stream that cannot be asked to resend (`stream-events`): while the
    /// store cannot take events, the same body is offered again every `retryDelay`, and the caller
    /// reads nothing more meanwhile (the rest waits in its pipe). Returns the refusal of a body that
    /// can never be stored (malformed, unknown project), `nil` once it is stored, and
    /// `.unavailable` only when `keepTrying` says to stop (shutdown).
    package func acceptPatiently(
        _ body: Data,
        source: EventSource,
        retryDelay: Duration = .seconds(1),
        onFirstRefusal: (EventIntakeError) -> Void = { _ in },
        keepTrying: () -> Bool = { !Task.isCancelled }
    ) async -> EventIntakeError? {
        var refused = false
        while true {
            do {
                _ = try await self.accept(body, source: source)
                return nil
            } catch  where error.code == .unavailable {
                if !refused { onFirstRefusal(error) }
                refused = true
                guard (try? await Task.sleep(for: retryDelay)) != nil, keepTrying() else { return error }
            } catch {
                return error
            }
        }
    }

    /// Tells the engine new events are in the store (stored by a route of its own).
    package func wakeEngine() { self.wake() }

    /// Stores events built elsewhere (`notify`, hooks, `start`).
    package func store(_ events: [ReplicationEvent], source: EventSource) async throws(EventIntakeError) {
        guard !events.isEmpty else { return }
        do {
            _ = try await self.store.append(events, source: source, wantsOutcomes: false)
        } catch {
            throw EventIntakeError(.unavailable, "the task store cannot take events: \(error)")
        }
        self.wake()
    }
}
