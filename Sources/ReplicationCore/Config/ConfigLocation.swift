/// Where a configuration item was read: the file, and the 1-based line (and column, when known).
package struct ConfigLocation: Hashable, Sendable, Comparable, CustomStringConvertible {
    package var file: String
    package var line: Int
    package var column: Int?

    package init(file: String, line: Int, column: Int? = nil) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// `FILE:LINE` or `FILE:LINE:COLUMN`, the way compilers print locations.
    package var description: String {
        guard let column = self.column else { return "\(self.file):\(self.line)" }
        return "\(self.file):\(self.line):\(column)"
    }

    package static func < (lhs: ConfigLocation, rhs: ConfigLocation) -> Bool {
        (lhs.file, lhs.line, lhs.column ?? 0) < (rhs.file, rhs.line, rhs.column ?? 0)
    }
}
