import Foundation
import Hummingbird
import ReplicationCore

extension DaemonHTTP {
    /// `POST /start[?wait=DURATION]` queues full syncs as `replicator start` does (202 with the
    /// event ids; with `wait`, 200 once every URL reported its first attempt, or 202 with what
    /// reported when the wait ran out); `POST /allow-deletions` releases held pushes once (200 with
    /// them, 404 when nothing was held). Token-guarded like `/events`; bad bodies get 400 and why.
    static func addControlRoutes(
        to group: RouterGroup<BasicRequestContext>,
        control: ControlHandlers,
        intake: EventIntake,
        requestTimeout: Duration
    ) {
        group.post("start") { request, _ in
            let body = try await Self.collect(request.body, within: requestTimeout)
            let start = try Self.decode(ControlAPI.StartRequest.self, from: body)
            let wait = try Self.waitLimit(request.uri.queryParameters.get("wait"))
            let configuration = control.configuration()
            let selected: (projects: [String], missing: [String])
            do {
                selected = try control.select(start, configuration)
            } catch {
                throw HTTPError(.badRequest, message: "invalid: \(error)")
            }
            let events = selected.projects.map {
                ReplicationEvent(
                    kind: .fullSync,
                    project: $0,
                    remotes: start.remotes,
                    urlSubstring: start.url,
                    immediately: start.now,
                    allowMassDeletion: start.allowMassDeletion
                )
            }
            let ids = try await control.store.append(events, source: .start, wantsOutcomes: wait != nil)
            intake.wakeEngine()
            var response = ControlAPI.StartResponse(
                events: ids,
                missing: selected.missing,
                complete: false,
                outcomes: []
            )
            if let wait {
                (response.complete, response.outcomes) = try await Self.outcomes(of: ids, control, within: wait)
            }
            return try Self.json(response.complete ? .ok : .accepted, response, redacting: true)
        }
        group.post("allow-deletions") { request, _ in
            let body = try await Self.collect(request.body, within: requestTimeout)
            let allow = try Self.decode(ControlAPI.AllowDeletionsRequest.self, from: body)
            if let problem = ProjectName.problem(with: allow.project) {
                throw HTTPError(.badRequest, message: "invalid: project '\(allow.project)': \(problem)")
            }
            let held = try await control.store.heldPushes().filter {
                $0.target.project == allow.project
                    && (allow.remotes.isEmpty || allow.remotes.contains($0.target.remote))
            }
            if !held.isEmpty {
                let event = ReplicationEvent(kind: .allowDeletions, project: allow.project, remotes: allow.remotes)
                _ = try await control.store.append([event], source: .allowDeletions, wantsOutcomes: false)
                intake.wakeEngine()
            }
            let released = held.map {
                ControlAPI.AllowDeletionsResponse.Released(
                    project: $0.target.project,
                    remote: $0.target.remote,
                    url: $0.target.url,
                    deletions: $0.deletions
                )
            }
            return try Self.json(
                held.isEmpty ? .notFound : .ok,
                ControlAPI.AllowDeletionsResponse(allowed: released),
                redacting: true
            )
        }
    }

    private static func decode<Body: Decodable>(_ type: Body.Type, from body: ByteBuffer) throws -> Body {
        do {
            return try JSONDecoder().decode(type, from: Data(body.readableBytesView))
        } catch {
            throw HTTPError(.badRequest, message: "invalid: the body is not a \(type) JSON object: \(error)")
        }
    }

    /// `?wait=DURATION` (a bare number is seconds), at most ``longestWait``; `nil` without it.
    private static func waitLimit(_ text: String?) throws -> Duration? {
        guard let text else { return nil }
        guard let parsed = ConfigValue.duration(text.isEmpty ? "600" : text, defaultUnit: .seconds) else {
            throw HTTPError(.badRequest, message: "invalid: wait '\(text)' is not a duration such as 30s or 10min")
        }
        return min(parsed, Self.longestWait)
    }

    /// The first attempt of every target of `events`, polled from the store until all reported or
    /// `limit` passed; reported outcomes leave the store once all are in.
    private static func outcomes(of events: [Int64], _ control: ControlHandlers, within limit: Duration) async throws
        -> (complete: Bool, outcomes: [ControlAPI.TargetOutcome])
    {
        let deadline = ContinuousClock.now + limit
        while true {
            let progress = try await control.store.progress(of: events)
            let complete = progress.allSatisfy(\.isReported)
            if complete || ContinuousClock.now >= deadline {
                if complete { try await control.store.removeOutcomes(of: events) }
                let outcomes = progress.flatMap(\.outcomes).map { record in
                    ControlAPI.TargetOutcome(
                        project: record.target.project,
                        remote: record.target.remote,
                        url: record.target.url,
                        result: record.result.rawValue,
                        refs: record.outcome.refOutcomeLabels,
                        error: record.outcome.error?.message
                    )
                }
                return (complete, outcomes.sorted { ($0.project, $0.url) < ($1.project, $1.url) })
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }
}
