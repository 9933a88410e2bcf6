/// Why a mirror host refused a ref, decoded from the report's reason and what the host wrote on its
/// sideband (GitHub explains its GH0xx refusals there, GitLab its `GitLab:` lines), so that each
/// refusal is handled by its class: a policy stays refused, a busy host is retried, a push with too
/// many refs is sent again in smaller batches.
package struct HostRefusal: Hashable, Sendable {
    package enum Kind: String, Hashable, Sendable {
        /// The host's rules refuse this ref (protected branch, ruleset, hidden ref, LFS, file size):
        /// final for this ref until something changes there.
        case policy
        /// The host is busy or rate-limits: retried later like a network failure.
        case retryLater = "retry later"
        /// Too many refs in one push (GitHub's push limit, GH013): sent again in batches.
        case tooManyRefs = "too many refs"
        /// The pack was larger than the host takes (git's `receive.maxInputSize`, GitHub's 2 GiB):
        /// sent again in pushes under a size cap, cut along history.
        case tooLarge = "too large"
    }

    package var kind: Kind
    /// The host's code (`GH006`, `GH013`) or the host (`GitLab`, `Gerrit`); `nil` for git's own.
    package var code: String?
    /// Refs one push may update, when the host said (`more than 5 branches or tags`).
    package var limit: Int?
    /// The host's own words about this ref, on one line.
    package var words: String

    /// The message a refused ref reports: the server's reason, then the decoded class and the
    /// host's words.
    package func message(reason: String) -> String {
        let label = [self.code, self.kind.rawValue].compactMap(\.self).joined(separator: ", ")
        return self.words.isEmpty || self.words == reason
            ? "\(reason) (\(label))" : "\(reason) (\(label): \(self.words))"
    }

    /// The refusal of `ref`, or `nil` when neither the reason nor the host's words are one we know.
    package static func decode(reason: String, ref: String, serverMessages: String) -> HostRefusal? {
        let lines = serverMessages.split(whereSeparator: \.isNewline).map(Self.withoutPrefix)
        if let github = Self.github(ref: ref, lines: lines) { return github }
        if let gitlab = lines.first(where: { $0.hasPrefix("GitLab:") }) {
            return HostRefusal(kind: .policy, code: "GitLab", words: gitlab.dropFirst(7).trimmingConfigWhitespace())
        }
        if reason.hasPrefix("prohibited by Gerrit") {
            return HostRefusal(kind: .policy, code: "Gerrit", words: reason)
        }
        let lowered = (reason + "\n" + lines.joined(separator: "\n")).lowercased()
        if Self.busy.contains(where: lowered.contains) {
            return HostRefusal(
                kind: .retryLater,
                code: nil,
                words: Self.firstLine(containing: Self.busy, in: lines, or: reason)
            )
        }
        if reason.hasPrefix("deny updating a hidden ref") {
            return HostRefusal(kind: .policy, code: nil, words: reason)
        }
        return nil
    }

    /// The refusal of a pack the host could not unpack, when the host said it was too large
    /// (`fatal: pack exceeds maximum allowed size`: git, GitHub and GitLab all print git's words).
    package static func decodeUnpack(serverMessages: String) -> HostRefusal? {
        let lines = serverMessages.split(whereSeparator: \.isNewline).map(Self.withoutPrefix)
        guard let line = lines.first(where: { $0.lowercased().contains("exceeds maximum allowed size") }) else {
            return nil
        }
        return HostRefusal(kind: .tooLarge, code: nil, words: line.trimmingConfigWhitespace())
    }

    private static let busy = [
        "rate limit", "too many requests", "try again later", "temporarily unavailable", "server is busy",
    ]

    /// GitHub writes `error: GH0xx: … for refs/…` and the rule's lines after it, per ref (GH006,
    /// GH013), or once for the whole push (GH001 large files, GH008 LFS objects).
    private static func github(ref: String, lines: [Substring]) -> HostRefusal? {
        let starts = lines.indices.filter { Self.githubCode(in: lines[$0]) != nil }
        guard !starts.isEmpty else { return nil }
        let own = starts.first { lines[$0].contains(" for \(ref).") || lines[$0].hasSuffix(" for \(ref)") }
        let pushWide = starts.first { !lines[$0].contains(" for refs/") }
        guard let start = own ?? pushWide, let code = Self.githubCode(in: lines[start]) else { return nil }
        let end = starts.first { $0 > start } ?? lines.endIndex
        let block = lines[start..<end].map { $0.trimmingConfigWhitespace() }.filter {
            !$0.isEmpty && !$0.hasPrefix("Review all repository rules")
        }
        let words = block.map { $0.hasPrefix("error: ") ? String($0.dropFirst(7)) : $0 }.joined(separator: " ")
        if code == "GH013", let limit = Self.pushLimit(in: block) {
            return HostRefusal(kind: .tooManyRefs, code: code, limit: limit, words: words)
        }
        return HostRefusal(kind: .policy, code: code, words: words)
    }

    private static func githubCode(in line: Substring) -> String? {
        guard let range = line.firstRange(of: "GH0") else { return nil }
        let code = line[range.lowerBound...].prefix(5)
        guard code.count == 5, code.dropFirst(2).allSatisfy(\.isNumber),
            line[range.lowerBound...].dropFirst(5).first == ":"
        else { return nil }
        return String(code)
    }

    /// `Pushes can not update more than 5 branches or tags` (also spelled `cannot`).
    private static func pushLimit(in block: [String]) -> Int? {
        for line in block {
            let lowered = line.lowercased()
            guard lowered.contains("update more than"), let range = lowered.firstRange(of: "more than ") else {
                continue
            }
            return Int(lowered[range.upperBound...].prefix(while: \.isNumber))
        }
        return nil
    }

    private static func firstLine(containing needles: [String], in lines: [Substring], or fallback: String) -> String {
        lines.first { line in needles.contains { line.lowercased().contains($0) } }.map {
            $0.trimmingConfigWhitespace()
        } ?? fallback
    }

    /// git prints sideband text after `remote: `; hosts send it without.
    private static func withoutPrefix(_ line: Substring) -> Substring {
        line.hasPrefix("remote: ") ? line.dropFirst(8) : line
    }
}
