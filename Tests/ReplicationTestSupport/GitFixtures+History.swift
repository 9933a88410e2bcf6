import Foundation

extension GitFixtures {
    /// What ``makeHeavyHistory(at:commits:bytesPerCommit:)`` made: the refs and the stored size.
    package struct HeavyHistory: Sendable {
        package var refs: [String: String]
        package var bytes: Int
    }

    /// A bare repository at `path` whose history does not compress, as a big first mirror's: `main`
    /// of `commits` commits, each adding a file of `bytesPerCommit` random bytes; a side branch of
    /// a tenth as many commits forked at a quarter and merged at half way; `dev` five commits
    /// behind `main`; a lightweight tag `v1` at a third and an annotated tag `v2` at three quarters.
    /// Written with `git fast-import`.
    package static func makeHeavyHistory(at path: String, commits: Int, bytesPerCommit: Int) throws -> HeavyHistory {
        try Command.git(["init", "-q", "--bare", "-b", "main", path])
        let stream = path + ".fast-import"
        _ = FileManager.default.createFile(atPath: stream, contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: stream))
        let random = try FileHandle(forReadingFrom: URL(fileURLWithPath: "/dev/urandom"))
        var time = 1_700_000_000
        func commit(_ ref: String, mark: String, from: String?, merge: String? = nil, file: String) throws {
            time += 60
            let data = try random.read(upToCount: bytesPerCommit) ?? Data()
            var text = "commit \(ref)\nmark :\(mark)\ncommitter Test <test@example.com> \(time) +0000\n"
            text += "data \(file.utf8.count)\n\(file)\n"
            if let from { text += "from :\(from)\n" }
            if let merge { text += "merge :\(merge)\n" }
            text += "M 644 inline \(file)\ndata \(data.count)\n"
            output.write(Data(text.utf8))
            output.write(data)
            output.write(Data("\n\n".utf8))
        }
        let (fork, join, side) = (commits / 4, commits / 2, max(1, commits / 10))
        for index in 1...commits {
            if index == join {
                for part in 1...side {
                    try commit(
                        "refs/heads/side",
                        mark: "\(1_000_000 + part)",
                        from: part == 1 ? "\(fork)" : "\(1_000_000 + part - 1)",
                        file: "side/\(part)"
                    )
                }
            }
            let merge = index == join ? "\(1_000_000 + side)" : nil
            try commit(
                "refs/heads/main",
                mark: "\(index)",
                from: index > 1 ? "\(index - 1)" : nil,
                merge: merge,
                file: "main/\(index)"
            )
        }
        var tail = "reset refs/heads/dev\nfrom :\(max(1, commits - 5))\n\n"
        tail += "reset refs/tags/v1\nfrom :\(max(1, commits / 3))\n\n"
        tail += "tag v2\nfrom :\(max(1, commits * 3 / 4))\ntagger Test <test@example.com> \(time) +0000\ndata 3\nv2\n\n"
        output.write(Data(tail.utf8))
        try output.close()
        let imported = try Command.run("/bin/sh", ["-c", "git --git-dir='\(path)' fast-import --quiet < '\(stream)'"])
        guard imported.status == 0 else { throw Command.Failure(description: "fast-import: \(imported.standardError)") }
        try FileManager.default.removeItem(atPath: stream)
        let size = try Command.git(["--git-dir", path, "rev-list", "--all", "--objects", "--disk-usage"])
        return HeavyHistory(refs: try self.refs(of: path), bytes: Int(size) ?? 0)
    }
}
