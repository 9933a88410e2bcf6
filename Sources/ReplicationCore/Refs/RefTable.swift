/// Ref names with their object ids, sorted bytewise by name (git's order, the order of `packed-refs`
/// and of a receive-pack advertisement). Names are kept as UTF-8 bytes in one buffer, so a million
/// refs cost one allocation for their names, not a million `String`s; lookups are binary searches
/// and the planner walks two tables side by side (``RefTable/Cursor``).
package struct RefTable: Sendable, Hashable {
    /// Every name's bytes, one after the other.
    private var nameBytes: [UInt8]
    /// Where name `i` ends in ``nameBytes`` (it starts where name `i - 1` ends).
    private var nameEnds: [Int]
    private var objectIDs: [ObjectID]

    /// An empty table.
    package init() {
        self.nameBytes = []
        self.nameEnds = []
        self.objectIDs = []
    }

    /// The refs of `dictionary`, sorted.
    package init(_ dictionary: [String: ObjectID]) {
        var builder = Builder(capacity: dictionary.count)
        for (name, id) in dictionary { builder.append(name, id) }
        self = builder.build()
    }

    fileprivate init(nameBytes: [UInt8], nameEnds: [Int], objectIDs: [ObjectID]) {
        self.nameBytes = nameBytes
        self.nameEnds = nameEnds
        self.objectIDs = objectIDs
    }

    package var count: Int { self.objectIDs.count }
    package var isEmpty: Bool { self.objectIDs.isEmpty }

    /// The name at `index`.
    package func name(at index: Int) -> String {
        self.withName(at: index) { String(decoding: $0, as: UTF8.self) }
    }

    /// Calls `body` with the bytes of the name at `index`, valid only during the call.
    package func withName<Result>(at index: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> Result) rethrows
        -> Result
    {
        let start = index == 0 ? 0 : self.nameEnds[index - 1]
        return try self.nameBytes.withUnsafeBufferPointer { all in
            try body(UnsafeBufferPointer(rebasing: all[start..<self.nameEnds[index]]))
        }
    }

    package func id(at index: Int) -> ObjectID { self.objectIDs[index] }

    /// Every object id, in the order of the names.
    package var ids: [ObjectID] { self.objectIDs }

    /// The object id of ref `name`, or `nil` when the table has no such ref.
    package subscript(name: String) -> ObjectID? {
        self.index(of: name).map { self.objectIDs[$0] }
    }

    /// Where ref `name` is, or `nil` when the table has no such ref (a binary search).
    package func index(of name: String) -> Int? {
        var name = name
        return name.withUTF8 { key in
            let slot = self.insertionIndex(of: key, in: 0..<self.count)
            return slot < self.count && self.compare(slot, key) == 0 ? slot : nil
        }
    }

    /// The first index in `range` whose name is not below `key`.
    func insertionIndex(of key: UnsafeBufferPointer<UInt8>, in range: Range<Int>) -> Int {
        var low = range.lowerBound
        var high = range.upperBound
        while low < high {
            let middle = (low + high) / 2
            if self.compare(middle, key) < 0 { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// The sign of (name at `index`) − `key`, bytewise.
    func compare(_ index: Int, _ key: UnsafeBufferPointer<UInt8>) -> Int {
        self.withName(at: index) { Self.compare($0, key) }
    }

    /// Bytewise order (git's `strcmp` on ref names), eight bytes at a time: ref names share long
    /// prefixes such as `refs/changes/`.
    package static func compare(_ lhs: UnsafeBufferPointer<UInt8>, _ rhs: UnsafeBufferPointer<UInt8>) -> Int {
        let common = Swift.min(lhs.count, rhs.count)
        let left = UnsafeRawBufferPointer(lhs)
        let right = UnsafeRawBufferPointer(rhs)
        var offset = 0
        while offset + 8 <= common {
            let a = UInt64(bigEndian: left.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
            let b = UInt64(bigEndian: right.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
            if a != b { return a < b ? -1 : 1 }
            offset += 8
        }
        while offset < common {
            if lhs[offset] != rhs[offset] { return lhs[offset] < rhs[offset] ? -1 : 1 }
            offset += 1
        }
        return lhs.count - rhs.count
    }

    /// The names in order, each made into a `String` as it is read.
    package var names: LazyMapSequence<Range<Int>, String> {
        (0..<self.count).lazy.map { self.name(at: $0) }
    }

    /// The same refs as a dictionary (for callers that handle a few refs).
    package var dictionary: [String: ObjectID] {
        var result = [String: ObjectID](minimumCapacity: self.count)
        for (name, id) in self { result[name] = id }
        return result
    }

    /// This table without ref `name`.
    package func removing(_ name: String) -> RefTable {
        guard let index = self.index(of: name) else { return self }
        var table = self
        let start = index == 0 ? 0 : self.nameEnds[index - 1]
        let length = self.nameEnds[index] - start
        table.nameBytes.removeSubrange(start..<self.nameEnds[index])
        table.nameEnds.remove(at: index)
        for later in index..<table.nameEnds.count { table.nameEnds[later] -= length }
        table.objectIDs.remove(at: index)
        return table
    }

    /// This table with ref `name` set to `id`, put in its place (no sort).
    package func setting(_ name: String, to id: ObjectID) -> RefTable {
        var table = self
        if let index = self.index(of: name) {
            table.objectIDs[index] = id
            return table
        }
        var name = name
        let slot = name.withUTF8 { self.insertionIndex(of: $0, in: 0..<self.count) }
        let start = slot == 0 ? 0 : self.nameEnds[slot - 1]
        let bytes = Array(name.utf8)
        table.nameBytes.insert(contentsOf: bytes, at: start)
        table.nameEnds.insert(start + bytes.count, at: slot)
        for later in (slot + 1)..<table.nameEnds.count { table.nameEnds[later] += bytes.count }
        table.objectIDs.insert(id, at: slot)
        return table
    }
}

extension RefTable: Sequence {
    package struct Iterator: IteratorProtocol {
        let table: RefTable
        var index = 0

        package mutating func next() -> (name: String, id: ObjectID)? {
            guard self.index < self.table.count else { return nil }
            defer { self.index += 1 }
            return (self.table.name(at: self.index), self.table.id(at: self.index))
        }
    }

    package func makeIterator() -> Iterator { Iterator(table: self) }
    package var underestimatedCount: Int { self.count }
}

extension RefTable: ExpressibleByDictionaryLiteral {
    package init(dictionaryLiteral elements: (String, ObjectID)...) {
        var builder = Builder(capacity: elements.count)
        for (name, id) in elements { builder.append(name, id) }
        self = builder.build()
    }
}

extension RefTable {
    /// Collects refs in any order; ``build()`` sorts them only when they did not come sorted, and
    /// keeps the last id given for a name that came twice.
    package struct Builder {
        private var nameBytes: [UInt8] = []
        private var nameEnds: [Int] = []
        private var objectIDs: [ObjectID] = []
        private var isSorted = true

        package init(capacity: Int = 0) {
            self.nameEnds.reserveCapacity(capacity)
            self.objectIDs.reserveCapacity(capacity)
            self.nameBytes.reserveCapacity(capacity * 32)
        }

        package mutating func append(_ name: String, _ id: ObjectID) {
            var name = name
            name.withUTF8 { self.append(bytes: $0, id) }
        }

        package mutating func append(bytes name: UnsafeBufferPointer<UInt8>, _ id: ObjectID) {
            if self.isSorted, let last = self.nameEnds.last {
                let start = self.nameEnds.count > 1 ? self.nameEnds[self.nameEnds.count - 2] : 0
                let order = self.nameBytes.withUnsafeBufferPointer {
                    RefTable.compare(UnsafeBufferPointer(rebasing: $0[start..<last]), name)
                }
                self.isSorted = order < 0
            }
            self.nameBytes.append(contentsOf: name)
            self.nameEnds.append(self.nameBytes.count)
            self.objectIDs.append(id)
        }

        package func build() -> RefTable {
            let table = RefTable(nameBytes: self.nameBytes, nameEnds: self.nameEnds, objectIDs: self.objectIDs)
            return self.isSorted ? table : table.sortedKeepingLast()
        }
    }

    /// Sorted by name (stable), a name given twice keeping its last id.
    private func sortedKeepingLast() -> RefTable {
        let order = (0..<self.count).sorted { left, right in
            let sign = self.withName(at: left) { leftName in self.compare(right, leftName) }
            return sign > 0 || (sign == 0 && left < right)
        }
        var builder = Builder(capacity: self.count)
        for (position, index) in order.enumerated() {
            let next = position + 1 < order.count ? order[position + 1] : nil
            let isDuplicate = next.map { next in self.withName(at: index) { self.compare(next, $0) == 0 } } ?? false
            if !isDuplicate { self.withName(at: index) { builder.append(bytes: $0, self.objectIDs[index]) } }
        }
        return builder.build()
    }
}
