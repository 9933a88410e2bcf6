/// git's files ref backend read without libgit2: `packed-refs` (sorted, written by `git pack-refs`
/// and by Gerrit's JGit) with loose files under `refs/` taking precedence, symbolic refs resolved.
/// libgit2 1.5 loads `packed-refs` into a hash map and compares names with `strcmp` on the way
/// (a third of a million-ref dry-run); this walks the file once into a ``RefTable``.
package enum RefFiles {
    /// What a loose ref file holds.
    package enum Loose: Hashable, Sendable {
        case direct(ObjectID)
        /// `ref: refs/heads/main`
        case symbolic(String)
    }

    /// The refs of a `packed-refs` file, in file order (git keeps it sorted); peeled `^` lines
    /// and comments left out. `nil` when a line is not git's format.
    package static func packedRefs(_ bytes: UnsafeBufferPointer<UInt8>) -> RefTable? {
        var builder = RefTable.Builder(capacity: bytes.count / 64)
        var start = 0
        while start < bytes.count {
            var end = start
            while end < bytes.count, bytes[end] != UInt8(ascii: "\n") { end += 1 }
            let line = UnsafeBufferPointer(rebasing: bytes[start..<end])
            start = end + 1
            guard let first = line.first, first != UInt8(ascii: "#"), first != UInt8(ascii: "^") else { continue }
            guard line.count > 41, line[40] == UInt8(ascii: " "),
                let id = ObjectID(hexDigits: UnsafeBufferPointer(rebasing: line[0..<40]))
            else { return nil }
            var nameEnd = line.count
            if line[nameEnd - 1] == UInt8(ascii: "\r") { nameEnd -= 1 }
            builder.append(bytes: UnsafeBufferPointer(rebasing: line[41..<nameEnd]), id)
        }
        return builder.build()
    }

    /// A loose ref file's content, or `nil` when it is neither an id nor `ref: NAME` (git ignores
    /// such a file as a broken ref).
    package static func loose(_ bytes: UnsafeBufferPointer<UInt8>) -> Loose? {
        var end = bytes.count
        while end > 0, Self.isSpace(bytes[end - 1]) { end -= 1 }
        let content = UnsafeBufferPointer(rebasing: bytes[0..<end])
        if let id = ObjectID(hexDigits: content) { return .direct(id) }
        let prefix = Array("ref:".utf8)
        guard content.starts(with: prefix) else { return nil }
        let target = String(decoding: content.dropFirst(prefix.count), as: UTF8.self)
            .drop { $0 == " " || $0 == "\t" }
        return target.isEmpty ? nil : .symbolic(String(target))
    }

    /// The repository's refs: `packed` overlaid with the `loose` files (which win, even a broken
    /// one, as in git), symbolic refs resolved through up to five levels as git does, unresolvable
    /// ones left out. A merge of two sorted lists: no lookup per packed ref.
    package static func merge(packed: RefTable, loose: [String: Loose?]) -> RefTable {
        guard !loose.isEmpty else { return packed }
        var overlay = RefTable.Builder(capacity: loose.count)
        for (name, value) in loose {
            let id = value.flatMap { Self.resolve($0, packed: packed, loose: loose) }
            overlay.append(name, id ?? Self.unresolved)
        }
        let winners = overlay.build()
        var builder = RefTable.Builder(capacity: packed.count + loose.count)
        var (next, nextLoose) = (0, 0)
        while next < packed.count || nextLoose < winners.count {
            // The sign of (packed name) − (loose name); an exhausted side sorts last.
            let order: Int =
                if next == packed.count {
                    1
                } else if nextLoose == winners.count {
                    -1
                } else {
                    -packed.withName(at: next) { winners.compare(nextLoose, $0) }
                }
            if order < 0 {
                packed.withName(at: next) { builder.append(bytes: $0, packed.id(at: next)) }
                next += 1
                continue
            }
            if order == 0 { next += 1 }
            let id = winners.id(at: nextLoose)
            if !id.isZero { winners.withName(at: nextLoose) { builder.append(bytes: $0, id) } }
            nextLoose += 1
        }
        return builder.build()
    }

    /// Stands for a loose ref that resolves to nothing (no real ref points at the null id).
    private static let unresolved = ObjectID(bytes: [UInt8](repeating: 0, count: 20))

    /// What `value` finally points at.
    static func resolve(_ value: Loose, packed: RefTable, loose: [String: Loose?], depth: Int = 0) -> ObjectID? {
        switch value {
        case .direct(let id): return id
        case .symbolic(let target):
            guard depth < 5 else { return nil }
            if let next = loose[target] {
                return next.flatMap { Self.resolve($0, packed: packed, loose: loose, depth: depth + 1) }
            }
            return packed[target]
        }
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "\n") || byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t")
            || byte == UInt8(ascii: "\r")
    }
}
