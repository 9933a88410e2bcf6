import Foundation
import Hummingbird
import NIOCore
import ReplicationCore
import ServiceLifecycle

extension DaemonHTTP {
    /// Notices read from the store per page of the stream.
    static let streamPage = 200
    /// A stream reads the store at least this often: other nodes of a cluster store notices
    /// without ringing this process's signal.
    static let streamRereadInterval = Duration.seconds(2)

    /// `GET /events/stream[?since=ID]`: Gerrit's replication events as JSON lines, one per line,
    /// held open. Without `since` it starts with the next event; with it, after event `ID` (0: the
    /// oldest kept), so that a client that reconnects with the last `id` it saw misses nothing kept.
    static func addEventStreamRoute(
        to group: RouterGroup<BasicRequestContext>,
        store: any NoticeStore,
        signal: NoticeSignal
    ) {
        group.get("events/stream") { request, _ in
            let newest: Int64
            do {
                newest = try await store.lastNoticeID()
            } catch {
                throw HTTPError(.serviceUnavailable, message: "store: cannot read the events: \(error)")
            }
            let from = try Self.streamStart(
                since: request.uri.queryParameters.get("since").map { String($0) },
                newest: newest
            )
            return Response(
                status: .ok,
                headers: [.contentType: "application/x-ndjson", .cacheControl: "no-store"],
                body: ResponseBody { writer in
                    try await Self.stream(from: from, store: store, signal: signal, into: &writer)
                    try await writer.finish(nil)
                }
            )
        }
    }

    /// The id a stream starts after: the newest without `since`; `since` when it is one (a client
    /// ahead of the store would wait for ids it already has: another store?).
    static func streamStart(since text: String?, newest: Int64) throws -> Int64 {
        guard let text else { return newest }
        guard let since = Int64(text), since >= 0 else {
            throw HTTPError(.badRequest, message: "invalid: since '\(text)' is not an event id (0 or more)")
        }
        guard since <= newest else {
            throw HTTPError(
                .badRequest,
                message: "invalid: since \(since) is beyond the newest event (\(newest)); was the store replaced?"
            )
        }
        return since
    }

    private static func stream(
        from start: Int64,
        store: any NoticeStore,
        signal: NoticeSignal,
        into writer: inout any ResponseBodyWriter
    ) async throws {
        var cursor = start
        let encoder = Self.jsonEncoder()
        // A shutdown ends the stream at once (the server waits for open responses before it drains).
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let generation = signal.generation
            guard let batch = try? await store.notices(after: cursor, limit: Self.streamPage) else {
                // The store is unreachable for now: the client keeps its connection.
                await Self.pause(signal, since: generation)
                continue
            }
            if !batch.notices.isEmpty {
                var buffer = ByteBuffer()
                for notice in batch.notices {
                    buffer.writeBytes(try encoder.encode(notice))
                    buffer.writeInteger(UInt8(ascii: "\n"))
                }
                try await writer.write(buffer)
            }
            cursor = batch.lastID
            if batch.notices.count < Self.streamPage { await Self.pause(signal, since: generation) }
        }
    }

    /// Until the next notice, the reread interval, or a graceful shutdown, whichever comes first.
    private static func pause(_ signal: NoticeSignal, since generation: UInt64) async {
        await cancelWhenGracefulShutdown {
            await signal.wait(since: generation, timeout: Self.streamRereadInterval)
        }
    }
}
