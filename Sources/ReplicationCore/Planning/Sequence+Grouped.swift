extension Sequence {
    /// The elements grouped by `key`, each group in the order of its first element; an element
    /// whose key is `nil` is a group of its own.
    package func grouped<Key: Hashable>(by key: (Element) -> Key?) -> [[Element]] {
        var groups: [[Element]] = []
        var index: [Key: Int] = [:]
        for element in self {
            guard let key = key(element) else {
                groups.append([element])
                continue
            }
            if let position = index[key] {
                groups[position].append(element)
            } else {
                index[key] = groups.count
                groups.append([element])
            }
        }
        return groups
    }
}
