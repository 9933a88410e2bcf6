/// Warnings about configurations that load but probably do not do what their author meant.
extension RemoteConfiguration {
    static let maximumPairwiseLintedRefSpecs = 256

    mutating func lint(_ reader: inout SectionReader) {
        let entries = reader.strings("push").map(\.entry)
        let specs = self.push.all
        // Entries and specs line up only when every push line parsed.
        let located =
            specs.count == entries.count ? Array(zip(specs, entries.map(Optional.some))) : specs.map { ($0, nil) }
        // Overlap checks compare every pair: past a few hundred lines they would cost more than the load.
        let comparesPairs = located.count <= Self.maximumPairwiseLintedRefSpecs
        if !comparesPairs {
            let message =
                "\(located.count) push refspecs: overlap checks skipped (done up to \(Self.maximumPairwiseLintedRefSpecs))"
            reader.warning(.overlappingRefSpecs, "push", entries.last, message)
        }
        for (index, (spec, entry)) in located.enumerated() {
            Self.lintNames(of: spec, entry: entry, reader: &reader)
            guard comparesPairs else { continue }
            for (earlier, earlierEntry) in located[..<index] where !earlier.isNegative && !spec.isNegative {
                Self.lintPair(earlier: earlier, at: earlierEntry, later: spec, at: entry, reader: &reader)
            }
        }
        self.lintMirrorToGitHub(&reader)
        self.lintVisibilityResidue(&reader)
        self.lintIgnoredKeys(&reader)
        self.lintURLDistribution(&reader)
    }

    /// A distribution strategy picks among several URLs: with one, it changes nothing.
    private func lintURLDistribution(_ reader: inout SectionReader) {
        guard self.urlDistribution != .all, self.urls.count < 2 else { return }
        let message =
            "urlDistributionStrategy = \(self.urlDistribution.rawValue) picks one of several URLs; this remote has one, so every push goes there"
        reader.warning(.surprisingValue, "urlDistributionStrategy", reader.all("urlDistributionStrategy").last, message)
    }

    /// With authGroup, refs that stop being visible are deleted only where deletions propagate.
    private func lintVisibilityResidue(_ reader: inout SectionReader) {
        guard !self.authGroups.isEmpty, !self.isMirror, !self.replicateDeletions else { return }
        let message =
            "refs that stop being visible to authGroup stay on this remote: mirror and replicateDeletions are false (docs/visibility.md)"
        reader.warning(.surprisingValue, "authGroup", reader.all("authGroup").first, message)
    }

    private static func lintNames(of spec: RefSpec, entry: GitConfigEntry?, reader: inout SectionReader) {
        if spec.isMatching {
            let message = "':' pushes refs/heads/*:refs/heads/* (as Gerrit does), not git's 'matching' branches"
            reader.warning(.suspiciousRefSpec, "push", entry, message)
        }
        for side in [spec.source, spec.destination].compactMap(\.self) where !Self.isFullRefName(side.text) {
            let message =
                "'\(side.text)' is not a full ref name; refs are matched by full name (did you mean 'refs/heads/\(side.text)'?)"
            reader.warning(.suspiciousRefSpec, "push", entry, message)
        }
    }

    private static func isFullRefName(_ name: String) -> Bool {
        name.hasPrefix("refs/") || name == "HEAD" || name == "*"
    }

    private static func lintPair(
        earlier: RefSpec,
        at earlierEntry: GitConfigEntry?,
        later: RefSpec,
        at entry: GitConfigEntry?,
        reader: inout SectionReader
    ) {
        let line = earlierEntry.map { "line \($0.location.line)" } ?? "an earlier line"
        if let source = later.source, let earlierSource = earlier.source, source.isCovered(by: earlierSource) {
            let message =
                "'\(later)' is never used: every ref it matches is taken by '\(earlier)' on \(line) (first match wins)"
            reader.warning(.overlappingRefSpecs, "push", entry, message)
        } else if let destination = later.destination, let earlierDestination = earlier.destination,
            destination.overlaps(earlierDestination)
        {
            let message =
                "destination '\(destination)' overlaps '\(earlierDestination)' on \(line): two refspecs may write the same remote ref"
            reader.warning(.overlappingRefSpecs, "push", entry, message)
        }
    }

    /// GitHub keeps `refs/pull/*` on the mirror; a mirror whose destinations cover them is a footgun
    /// in Gerrit. Replicator never deletes them unless a refspec destination covers them, so say so.
    private func lintMirrorToGitHub(_ reader: inout SectionReader) {
        guard self.isMirror, self.urls.contains(where: { $0.url.host?.lowercased().hasSuffix("github.com") == true })
        else {
            return
        }
        let pullRef = "refs/pull/1/head"
        if let mapping = self.push.mapping(forDestination: pullRef), !self.push.isExcluded(source: mapping.source) {
            let spec = mapping.refSpec
            let message =
                "mirror = true and push '\(spec)' covers GitHub's refs/pull/*: those refs would be pruned; add '^refs/pull/*' or narrow the refspec"
            reader.warning(.mirrorFootgun, "mirror", reader.all("mirror").last, message)
        }
    }

    private func lintIgnoredKeys(_ reader: inout SectionReader) {
        let ignored: [(String, String)] = [
            ("pushurl", "not used: Gerrit and Replicator push to url"),
            ("tagopt", "not used by a push-only replicator"),
            ("uploadpack", "has no effect: Replicator only pushes"),
            (
                "rescheduleDelay",
                "has no effect: an event for a URL with a push running waits for that push and then runs, without polling"
            ),
            (
                "slowLatencyThreshold",
                "has no effect: slow pushes show in the replication_latency histogram, not in metrics of their own"
            ),
        ]
        for (key, reason) in ignored {
            if let entry = reader.all(key).first { reader.warning(.ignoredKey, key, entry, reason) }
        }
    }
}
