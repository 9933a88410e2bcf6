/// One line of the effective configuration, as `config check` prints it: defaults filled in.
package struct EffectiveOption: Hashable, Sendable {
    package enum Value: Hashable, Sendable {
        case bool(Bool)
        case int(Int)
        case duration(Duration)
        case string(String?)
        case strings([String])
    }

    package var key: String
    package var value: Value
    /// Replicator's own key rather than Gerrit's.
    package var isExtension: Bool

    package init(_ key: String, _ value: Value, isExtension: Bool = false) {
        self.key = key
        self.value = value
        self.isExtension = isExtension
    }
}

extension Duration {
    /// `15s`, `1min`, `2h`, `250ms`: the largest unit that divides the value exactly.
    package var configText: String {
        let milliseconds = self.wholeMilliseconds
        guard milliseconds % 1_000 == 0 else { return "\(milliseconds)ms" }
        let seconds = milliseconds / 1_000
        for (unit, size) in [("d", Int64(86_400)), ("h", 3_600), ("min", 60)]
        where seconds >= size && seconds % size == 0 {
            return "\(seconds / size)\(unit)"
        }
        return "\(seconds)s"
    }
}
