/// What `git-receive-pack` says first: its refs, capabilities and extra bases
/// (`gitprotocol-pack`, "Reference Discovery"; protocol v0, or v1 with its `version 1` line).
package struct RefAdvertisement: Hashable, Sendable {
    /// The refs, peeled `^{}` entries left out.
    package var refs = RefTable()
    package var capabilities = Capabilities("")
    /// `.have` lines: objects the server has from alternates, usable as thin-pack bases.
    package var extraHaves: [ObjectID] = []
    /// `shallow` lines: the server's repository is shallow at these commits.
    package var shallow: [ObjectID] = []

    package init() {}

    /// Reads the advertisement's lines, up to its flush.
    package struct Reader: Sendable {
        private var advertisement = RefAdvertisement()
        /// receive-pack advertises its refs sorted: the table is built without sorting.
        private var refs = RefTable.Builder()
        private var sawFirstLine = false

        package init() {}

        /// Takes one line; returns the advertisement at its flush.
        package mutating func take(_ line: PktLine) throws(WireError) -> RefAdvertisement? {
            switch line {
            case .flush:
                var advertisement = self.advertisement
                advertisement.refs = self.refs.build()
                return advertisement
            case .delimiter, .responseEnd:
                throw WireError(.malformed, "unexpected special pkt-line in the ref advertisement")
            case .data:
                try self.take(text: line.text ?? "")
                return nil
            }
        }

        private mutating func take(text: String) throws(WireError) {
            if text.hasPrefix("ERR ") { throw WireError(.serverError, String(text.dropFirst(4))) }
            if !self.sawFirstLine, text == "version 1" { return }
            if text.hasPrefix("shallow ") {
                guard let id = ObjectID(hex: String(text.dropFirst(8))) else {
                    throw WireError(.malformed, "bad shallow line: \(text.prefix(120))")
                }
                self.advertisement.shallow.append(id)
                return
            }
            var line = Substring(text)
            if !self.sawFirstLine {
                self.sawFirstLine = true
                if let nul = line.firstIndex(of: "\0") {
                    self.advertisement.capabilities = Capabilities(line[line.index(after: nul)...])
                    line = line[..<nul]
                }
            }
            try self.take(ref: line)
        }

        private mutating func take(ref line: Substring) throws(WireError) {
            guard let space = line.firstIndex(of: " "), let id = ObjectID(hex: String(line[..<space])) else {
                throw WireError(.malformed, "bad ref line in the advertisement: \(line.prefix(120))")
            }
            let name = String(line[line.index(after: space)...])
            guard !name.isEmpty, !name.contains("\0") else {
                throw WireError(.malformed, "bad ref name in the advertisement: \(line.prefix(120))")
            }
            switch name {
            case "capabilities^{}": return  // an empty repository: capabilities only
            case ".have": self.advertisement.extraHaves.append(id)
            case _ where name.hasSuffix("^{}"): return
            default: self.refs.append(name, id)
            }
        }
    }
}
