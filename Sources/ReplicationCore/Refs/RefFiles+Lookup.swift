extension RefFiles {
    /// What a `packed-refs` file says of one ref.
    package enum PackedLookup: Equatable, Sendable {
        case found(ObjectID)
        case absent
        /// A line is not git's format: read the whole file (or let libgit2) instead.
        case malformed
    }

    /// Ref `name` in a `packed-refs` file, by binary search over its lines as git does when the
    /// header says `sorted` (git and JGit write it so); a file without it is read whole.
    package static func lookUp(_ name: String, inPacked bytes: UnsafeBufferPointer<UInt8>) -> PackedLookup {
        guard Self.isSorted(bytes) else {
            guard let table = Self.packedRefs(bytes) else { return .malformed }
            return table[name].map { .found($0) } ?? .absent
        }
        var name = name
        return name.withUTF8 { key in Self.search(key, in: bytes) }
    }

    private static func search(_ key: UnsafeBufferPointer<UInt8>, in bytes: UnsafeBufferPointer<UInt8>) -> PackedLookup
    {
        var low = Self.lineEnd(in: bytes, from: 0) + 1  // past the header
        var high = bytes.count
        while low < high {
            var middle = Self.lineStart(in: bytes, before: (low + high) / 2, notBelow: low)
            if bytes[middle] == UInt8(ascii: "^") {
                // A peeled line belongs to the record above it.
                middle = Self.lineStart(in: bytes, before: middle - 1, notBelow: low)
            }
            let end = Self.lineEnd(in: bytes, from: middle)
            let line = UnsafeBufferPointer(rebasing: bytes[middle..<end])
            guard line.count > 41, line[40] == UInt8(ascii: " "),
                let id = ObjectID(hexDigits: UnsafeBufferPointer(rebasing: line[0..<40]))
            else { return .malformed }
            var nameEnd = line.count
            if line[nameEnd - 1] == UInt8(ascii: "\r") { nameEnd -= 1 }
            let order = RefTable.compare(UnsafeBufferPointer(rebasing: line[41..<nameEnd]), key)
            if order == 0 { return .found(id) }
            if order > 0 {
                high = middle
                continue
            }
            low = end + 1
            if low < bytes.count, bytes[low] == UInt8(ascii: "^") { low = Self.lineEnd(in: bytes, from: low) + 1 }
        }
        return .absent
    }

    /// Whether the file starts with git's header naming the `sorted` trait.
    static func isSorted(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let header = String(decoding: bytes[0..<Self.lineEnd(in: bytes, from: 0)], as: UTF8.self)
        return header.hasPrefix("# pack-refs with:") && (header + " ").contains(" sorted ")
    }

    /// The index of the newline ending the line that starts at `start` (or the end of the bytes).
    private static func lineEnd(in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        var end = start
        while end < bytes.count, bytes[end] != UInt8(ascii: "\n") { end += 1 }
        return end
    }

    /// The start of the line holding `index`, never below `floor` (a line start).
    private static func lineStart(in bytes: UnsafeBufferPointer<UInt8>, before index: Int, notBelow floor: Int) -> Int {
        var start = index
        while start > floor, bytes[start - 1] != UInt8(ascii: "\n") { start -= 1 }
        return start
    }
}
