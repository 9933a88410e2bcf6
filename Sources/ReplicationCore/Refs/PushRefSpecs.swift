/// A remote's `push` lines in order. Gerrit's rule applies: the first matching line wins (unlike
/// `git push`, which applies every match). Negative lines (`^src`) exclude matching source refs.
package struct PushRefSpecs: Hashable, Sendable, CustomStringConvertible {
    package let all: [RefSpec]
    private let positives: [RefSpec]
    private let negatives: [RefSpec]

    package init(_ specs: [RefSpec]) {
        self.all = specs
        self.positives = specs.filter { !$0.isNegative && !$0.isDelete }
        self.negatives = specs.filter(\.isNegative)
    }

    package var description: String { self.all.map(\.description).joined(separator: " ") }

    /// Whether a negative refspec excludes the local ref `source`.
    package func isExcluded(source: String) -> Bool {
        self.negatives.contains { $0.matchesSource(source) }
    }

    /// Gerrit's `matchSrc`: where local ref `source` is pushed, or `nil` when no line matches or a
    /// negative line excludes it.
    package func mapping(forSource source: String) -> RefMapping? {
        guard !self.isExcluded(source: source) else { return nil }
        for spec in self.positives {
            if let mapping = spec.expand(fromSource: source) { return mapping }
        }
        return nil
    }

    /// Gerrit's `matchDst`: the first line whose destination matches remote ref `destination`, with
    /// the source it maps back to. Negative lines are not applied here; callers decide with
    /// ``isExcluded(source:)``.
    package func mapping(forDestination destination: String) -> RefMapping? {
        for spec in self.positives {
            if let mapping = spec.expand(fromDestination: destination) { return mapping }
        }
        return nil
    }

    /// The index in ``all`` of the line that maps `source` (Gerrit's first match), or `nil`.
    package func lineIndex(mappingSource source: String) -> Int? {
        guard !self.isExcluded(source: source) else { return nil }
        return self.all.indices.first { index in
            let spec = self.all[index]
            return !spec.isNegative && !spec.isDelete && spec.expand(fromSource: source) != nil
        }
    }

    /// The index in ``all`` of the first negative line excluding `source`, or `nil`.
    package func lineIndex(excludingSource source: String) -> Int? {
        self.all.indices.first { self.all[$0].isNegative && self.all[$0].matchesSource(source) }
    }

    /// Every source some positive line maps onto `destination`, in line order.
    package func sources(feeding destination: String) -> [String] {
        self.positives.compactMap { $0.expand(fromDestination: destination)?.source }
    }

    /// The first source accepted by `isPresent` that some positive line maps onto `destination`:
    /// keeps overlapping refspecs from deleting what another line feeds.
    package func firstSource(feeding destination: String, where isPresent: (String) -> Bool) -> String? {
        for spec in self.positives {
            if let mapping = spec.expand(fromDestination: destination), isPresent(mapping.source) {
                return mapping.source
            }
        }
        return nil
    }
}
