/// A ref name mapped through a refspec: what is read locally and what is written remotely.
package struct RefMapping: Hashable, Sendable {
    package var source: String
    package var destination: String
    package var isForced: Bool
    /// The refspec that produced the mapping.
    package var refSpec: RefSpec
}

extension RefSpec {
    /// JGit's `matchSource`.
    package func matchesSource(_ name: String) -> Bool {
        self.source?.matches(name) ?? false
    }

    /// JGit's `matchDestination`.
    package func matchesDestination(_ name: String) -> Bool {
        self.destination?.matches(name) ?? false
    }

    /// JGit's `expandFromSource`: the destination that `name` is pushed to, or `nil` on no match.
    package func expand(fromSource name: String) -> RefMapping? {
        guard !self.isNegative, let source = self.source, let destination = self.destination,
            let capture = source.wildcardCapture(in: name)
        else { return nil }
        // Identity refspecs (refs/*:refs/*) are the common case: reuse the name, build no string.
        return RefMapping(
            source: name,
            destination: source == destination ? name : destination.substituting(capture),
            isForced: self.isForced,
            refSpec: self
        )
    }

    /// JGit's `expandFromDestination`: the source that feeds remote ref `name`, or `nil` on no match.
    package func expand(fromDestination name: String) -> RefMapping? {
        guard !self.isNegative, let source = self.source, let destination = self.destination,
            let capture = destination.wildcardCapture(in: name)
        else { return nil }
        return RefMapping(
            source: source == destination ? name : source.substituting(capture),
            destination: name,
            isForced: self.isForced,
            refSpec: self
        )
    }
}
