import Foundation
import ReplicationCore

/// What `explain` prints.
struct ExplainReport: Encodable {
    var project: String
    var ref: String
    /// Why no past status could be read, when none could.
    var storeNote: String?
    var explanations: [RefExplanation] = []

    func jsonText() throws -> String { try ReportJSON.text(self) }

    func humanText() -> String {
        var lines: [String] = []
        if self.explanations.isEmpty { lines.append("No remote is configured for \(self.project).") }
        for explanation in self.explanations {
            lines += Self.lines(for: explanation)
        }
        if let storeNote { lines.append("note: \(storeNote)") }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func lines(for explanation: RefExplanation) -> [String] {
        let verdict = explanation.isReplicated ? "replicated" : "not replicated"
        var lines = ["\(explanation.remote) \(explanation.url): \(explanation.ref) is \(verdict)"]
        if let mapping = explanation.mapping {
            let line =
                mapping.location.map { "push = \(mapping.refspec) at \($0)" }
                ?? "the default refspec \(mapping.refspec)"
            lines.append("  mapped by \(line) to \(mapping.destination)\(mapping.isForced ? " (forced)" : "")")
        } else {
            lines.append("  no push line maps it")
        }
        for rule in explanation.rules {
            lines.append("  \(rule.kind): \(rule.message)\(rule.location.map { " (\($0))" } ?? "")")
        }
        lines.append("  source: \(explanation.sourceID?.hex ?? "(no such ref)")")
        if let error = explanation.listingError {
            lines.append("  mirror: cannot list it: \(error)")
        } else if explanation.listed {
            lines.append("  mirror: \(explanation.mirrorID?.hex ?? "(no such ref)")")
        } else {
            lines.append("  mirror: not listed (--offline)")
        }
        if let delta = explanation.delta { lines.append("  an event for it now: \(delta.action): \(delta.detail)") }
        if let full = explanation.fullSync { lines.append("  a full sync now: \(full.action): \(full.detail)") }
        if let last = explanation.lastOutcome {
            let at = ISO8601Time.text(secondsSince1970: last.recordedAt)
            let message = last.status.message.map { ": \($0)" } ?? ""
            lines.append("  last push: \(last.status.status.rawValue) at \(at)\(message)")
        } else {
            lines.append("  last push: none recorded")
        }
        return lines
    }
}
