/// One ref that differs between the source and a mirror inside a remote's scope (`replicator verify`).
package struct RefDrift: Hashable, Sendable, Codable {
    package enum Kind: String, Hashable, Sendable, Codable, CaseIterable, Comparable {
        /// The source has it; the mirror lacks it.
        case missing
        /// The mirror has an ancestor of the source's value.
        case stale
        /// Neither value contains the other (or the mirror's is not in the source repository).
        case diverged
        /// The mirror has a descendant of the source's value (someone pushed there).
        case ahead
        /// Inside the scope on the mirror only: what `mirror = true` prunes.
        case extra

        package static func < (lhs: Self, rhs: Self) -> Bool {
            Self.allCases.firstIndex(of: lhs)! < Self.allCases.firstIndex(of: rhs)!
        }
    }

    package var kind: Kind
    /// The mirror's ref (the refspec's destination).
    package var ref: String
    /// The source ref mapped onto it.
    package var source: String
    package var sourceID: ObjectID?
    package var mirrorID: ObjectID?
    /// Whether the refspec mapping it allows non-fast-forward updates (`+`).
    package var isForced: Bool
    /// For an `extra` ref the source still has: why the remote may not see it.
    package var hiddenReason: String?

    private enum CodingKeys: String, CodingKey {
        case kind, ref, source, sourceID = "sourceId", mirrorID = "mirrorId", isForced, hiddenReason
    }

    package init(
        kind: Kind,
        ref: String,
        source: String,
        sourceID: ObjectID?,
        mirrorID: ObjectID?,
        isForced: Bool,
        hiddenReason: String? = nil
    ) {
        self.kind = kind
        self.ref = ref
        self.source = source
        self.sourceID = sourceID
        self.mirrorID = mirrorID
        self.isForced = isForced
        self.hiddenReason = hiddenReason
    }
}

/// What a verify found for one project on one URL.
package struct MirrorDrift: Hashable, Sendable, Codable {
    /// Every difference, by ref.
    package var differences: [RefDrift]
    /// Refs in the scope on each side.
    package var sourceRefs: Int
    package var mirrorRefs: Int

    package init(differences: [RefDrift], sourceRefs: Int, mirrorRefs: Int) {
        self.differences = differences
        self.sourceRefs = sourceRefs
        self.mirrorRefs = mirrorRefs
    }

    package var isInSync: Bool { self.differences.isEmpty }

    /// How many refs differ, by kind (every kind present, zeros included).
    package var counts: [RefDrift.Kind: Int] {
        var counts = Dictionary(uniqueKeysWithValues: RefDrift.Kind.allCases.map { ($0, 0) })
        for difference in self.differences { counts[difference.kind, default: 0] += 1 }
        return counts
    }
}
