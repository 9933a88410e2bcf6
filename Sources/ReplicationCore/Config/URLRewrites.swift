/// `[url "BASE"] insteadOf = PREFIX`: git's (and JGit's) URL rewriting; the longest prefix wins.
struct URLRewrites {
    private var rules: [(prefix: String, base: String)] = []

    init(entries: [GitConfigEntry]) {
        for entry in entries where entry.section.name == "url" && entry.name == "insteadof" {
            guard let base = entry.section.subsection, let prefix = entry.value, !prefix.isEmpty else { continue }
            self.rules.append((prefix, base))
        }
    }

    func apply(to url: String) -> String {
        let best = self.rules.filter { url.hasPrefix($0.prefix) }.max { $0.prefix.count < $1.prefix.count }
        guard let best else { return url }
        return best.base + url.dropFirst(best.prefix.count)
    }
}
