package import Foundation
package import ReplicationCore

/// Gerrit event JSON (`stream-events`, webhooks): one object, an array of objects, or JSON lines.
/// Replication-relevant types become ``ReplicationEvent``s; every other type (Gerrit's own, a
/// plugin's, one newer than Replicator) is counted as ignored, so that one unknown event never
/// costs the others their replication. A malformed relevant event refuses the whole body (nothing
/// stored). Every intake (`POST /events`, `--events-from`) decodes through this one type.
package struct GerritEventDecoder: Sendable {
    package struct Decoded: Hashable, Sendable {
        package var events: [ReplicationEvent]
        package var ignored: Int
    }

    package init() {}

    package func decode(_ body: Data) throws(EventIntakeError) -> Decoded {
        var decoded = Decoded(events: [], ignored: 0)
        for (index, object) in try Self.objects(in: body).enumerated() {
            do {
                let events = try Self.events(from: object)
                decoded.events += events
                if events.isEmpty { decoded.ignored += 1 }
            } catch {
                throw EventIntakeError(error.code, "event \(index + 1): \(error.message)")
            }
        }
        return decoded
    }

    /// The JSON objects of a body: one object, an array, or one object per line.
    private static func objects(in body: Data) throws(EventIntakeError) -> [[String: Any]] {
        if let whole = try? JSONSerialization.jsonObject(with: body) {
            if let object = whole as? [String: Any] { return [object] }
            if let array = whole as? [Any] {
                return try array.enumerated().map { (index, element) throws(EventIntakeError) in
                    guard let object = element as? [String: Any] else {
                        throw EventIntakeError(.malformed, "element \(index + 1) of the array is not a JSON object")
                    }
                    return object
                }
            }
            throw EventIntakeError(.malformed, "expected a JSON object, an array of objects, or JSON lines")
        }
        var objects: [[String: Any]] = []
        for (number, line) in body.split(separator: UInt8(ascii: "\n")).enumerated() {
            let trimmed = line.drop { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\r") }
            guard !trimmed.isEmpty else { continue }
            guard let object = (try? JSONSerialization.jsonObject(with: Data(line))) as? [String: Any] else {
                throw EventIntakeError(.malformed, "line \(number + 1) is not a JSON object")
            }
            objects.append(object)
        }
        guard !objects.isEmpty else { throw EventIntakeError(.malformed, "the body holds no event") }
        return objects
    }

    private static func events(from object: [String: Any]) throws(EventIntakeError) -> [ReplicationEvent] {
        guard let type = object["type"] as? String else {
            throw EventIntakeError(.malformed, "no \"type\" field")
        }
        switch type {
        case "ref-updated":
            guard let update = object["refUpdate"] as? [String: Any] else {
                throw EventIntakeError(.malformed, "ref-updated without a \"refUpdate\" object")
            }
            let (project, ref, values) = try Self.refUpdate(update, field: "refUpdate")
            return [.refUpdated(project: project, refs: [ref], values: values.isEmpty ? nil : [ref: values])]
        case "batch-ref-updated":
            // Gerrit 3.8+: refs updated in one operation (a patch set and its meta), one event per
            // project, so that they are planned and pushed together.
            guard let updates = object["refUpdates"] as? [Any] else {
                throw EventIntakeError(.malformed, "batch-ref-updated without a \"refUpdates\" array")
            }
            var projects: [String] = []
            var refs: [String: [String]] = [:]
            var values: [String: [String: [String]]] = [:]
            for (index, element) in updates.enumerated() {
                guard let update = element as? [String: Any] else {
                    throw EventIntakeError(.malformed, "refUpdates[\(index)] is not an object")
                }
                let (project, ref, known) = try Self.refUpdate(update, field: "refUpdates[\(index)]")
                if refs[project] == nil { projects.append(project) }
                refs[project, default: []].append(ref)
                if !known.isEmpty { values[project, default: [:]][ref, default: []] += known }
            }
            return projects.map { project in
                .refUpdated(project: project, refs: refs[project] ?? [], values: values[project])
            }
        case "project-head-updated":
            let project = try Self.project(object["projectName"] ?? object["project"], field: "projectName")
            return [ReplicationEvent(kind: .headUpdated, project: project)]
        case "project-deleted":
            let project = try Self.project(object["projectName"] ?? object["project"], field: "projectName")
            return [ReplicationEvent(kind: .projectDeleted, project: project)]
        case "project-created":
            // Gerrit creates the mirrors of a new project; a full sync creates them and fills them.
            let project = try Self.project(object["projectName"] ?? object["project"], field: "projectName")
            return [ReplicationEvent(kind: .fullSync, project: project)]
        default:
            // Their ref changes, if any, arrive as ref-updated events of their own.
            return []
        }
    }

    /// Gerrit's refupdate attribute: the project, the full ref name and the ids it reported.
    private static func refUpdate(_ update: [String: Any], field: String) throws(EventIntakeError)
        -> (project: String, ref: String, values: [String])
    {
        let project = try Self.project(update["project"], field: "\(field).project")
        let ref = try Self.refName(update["refName"], field: "\(field).refName")
        let values = try ReplicationEvent.values(
            old: Self.objectID(update["oldRev"], field: "\(field).oldRev"),
            new: Self.objectID(update["newRev"], field: "\(field).newRev")
        )
        return (project, ref, values)
    }

    private static func project(_ value: Any?, field: String) throws(EventIntakeError) -> String {
        guard let name = value as? String else {
            throw EventIntakeError(.malformed, "no \"\(field)\" string")
        }
        if let problem = ProjectName.problem(with: name) {
            throw EventIntakeError(.invalidProject, "project '\(name)': \(problem)")
        }
        return name
    }

    /// `oldRev`/`newRev`: absent, or an object id (40 or 64 hexadecimal digits).
    private static func objectID(_ value: Any?, field: String) throws(EventIntakeError) -> String? {
        guard let value else { return nil }
        guard let text = value as? String, [40, 64].contains(text.utf8.count), text.allSatisfy(\.isHexDigit) else {
            throw EventIntakeError(.malformed, "\"\(field)\" is not an object id (40 or 64 hexadecimal digits)")
        }
        return text
    }

    /// Gerrit's `refName`: a full ref name, or the old short form for a branch (`master`).
    private static func refName(_ value: Any?, field: String) throws(EventIntakeError) -> String {
        guard let name = value as? String, !name.isEmpty else {
            throw EventIntakeError(.malformed, "no \"\(field)\" string")
        }
        let full = name.hasPrefix("refs/") ? name : "refs/heads/\(name)"
        if let problem = ProjectName.refProblem(with: full) {
            throw EventIntakeError(.invalidRef, "ref '\(name)': \(problem)")
        }
        return full
    }
}
