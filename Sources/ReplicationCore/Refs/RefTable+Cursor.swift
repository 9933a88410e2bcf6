extension RefTable {
    /// Looks names up in a table the way a merge walks it: from where the last lookup ended,
    /// galloping forward, so names asked for in ascending order (the planner's common case, an
    /// identity refspec such as `+refs/*:refs/*`) cost a few comparisons each, not a binary search
    /// of the whole table. A name below the last one falls back to a binary search.
    package struct Cursor {
        private let table: RefTable
        /// The insertion index of the last name looked up.
        private var position = 0

        package init(_ table: RefTable) {
            self.table = table
        }

        /// The object id of ref `name`, or `nil` when the table has no such ref.
        package mutating func id(of name: String) -> ObjectID? {
            var name = name
            return name.withUTF8 { key in
                let slot = self.insertionIndex(of: key)
                self.position = slot
                return slot < self.table.count && self.table.compare(slot, key) == 0 ? self.table.id(at: slot) : nil
            }
        }

        private func insertionIndex(of key: UnsafeBufferPointer<UInt8>) -> Int {
            let count = self.table.count
            let start = self.position
            if start > 0, self.table.compare(start - 1, key) >= 0 {
                return self.table.insertionIndex(of: key, in: 0..<start)
            }
            // Gallop: the name is at or after `start`; double the step until a name is not below it.
            var low = start
            var step = 1
            while low < count, self.table.compare(low, key) < 0 {
                let next = low + step
                if next >= count || self.table.compare(next, key) >= 0 {
                    return self.table.insertionIndex(of: key, in: (low + 1)..<Swift.min(next + 1, count))
                }
                low = next
                step *= 2
            }
            return low
        }
    }
}
