/// receive-pack's answer to a push (`report-status`, `report-status-v2`): whether the pack was
/// unpacked, and per ref `ok` or `ng` with the server's reason.
///
/// receive-pack reports its refs in the order of the commands, so the report is kept as one answer
/// per command, matched by position: a first push of 100,000 refs hashed every name into a
/// dictionary twice (once reading, once looking up): 0.2 s of CPU. A ref reported out of
/// that order, or not among the commands, is kept by name.
package struct ReportStatus: Sendable {
    /// `nil` when unpacking succeeded, else receive-pack's reason.
    package var unpackError: String?
    /// The commands' ref names, in the order they were sent.
    private var commands: [String]
    /// Per command: `nil` when not (yet) reported in order, `.some(nil)` for ok, else the reason.
    private var inOrder: [String??]
    /// Refs reported out of the commands' order.
    private var byName: [String: String?] = [:]

    /// A report of `refs` (`nil` for ok, else the reason), with no command order.
    package init(unpackError: String? = nil, refs: [String: String?] = [:]) {
        self.unpackError = unpackError
        self.commands = []
        self.inOrder = []
        self.byName = refs
    }

    init(commands: [String]) {
        self.commands = commands
        self.inOrder = Array(repeating: nil, count: commands.count)
    }

    /// What the server said of `ref`, sent as the command at `index`: `nil` when it said nothing,
    /// `.some(nil)` for ok, else its reason.
    package func said(about ref: String, at index: Int) -> String?? {
        if !self.byName.isEmpty, let said = self.byName[ref] { return said }
        guard index < self.inOrder.count, self.commands[index] == ref else { return nil }
        return self.inOrder[index]
    }

    /// Every reported ref: `nil` for ok, else the reason.
    package var refs: [String: String?] {
        var refs: [String: String?] = [:]
        for (ref, said) in zip(self.commands, self.inOrder) {
            if let said { refs[ref] = said }
        }
        return refs.merging(self.byName) { _, byName in byName }
    }

    /// Records `said` for `ref`: at the next command's position when it is that command. A ref
    /// reported twice is what the server said last.
    fileprivate mutating func record(_ ref: Substring, _ said: String?, next: inout Int) {
        if next < self.commands.count, ref.utf8.elementsEqual(self.commands[next].utf8) {
            self.inOrder[next] = .some(said)
            if !self.byName.isEmpty { self.byName[String(ref)] = nil }
            next += 1
        } else {
            self.byName[String(ref)] = .some(said)
        }
    }

    /// Reads the report's lines, up to its flush.
    package struct Reader: Sendable {
        private var report: ReportStatus
        private var sawUnpack = false
        /// The position of the next command the report should name.
        private var next = 0

        /// A reader for the report on `commands`, the ref names in the order they were sent.
        package init(commands: [String] = []) {
            self.report = ReportStatus(commands: commands)
        }

        package mutating func take(_ line: PktLine) throws(WireError) -> ReportStatus? {
            switch line {
            case .flush:
                guard self.sawUnpack else { throw WireError(.malformed, "the status report has no unpack line") }
                return self.report
            case .delimiter, .responseEnd:
                throw WireError(.malformed, "unexpected special pkt-line in the status report")
            case .data: try self.take(text: line.text ?? "")
            }
            return nil
        }

        private mutating func take(text: String) throws(WireError) {
            if !self.sawUnpack {
                guard text.hasPrefix("unpack ") else {
                    throw WireError(.malformed, "the status report does not start with unpack: \(text.prefix(120))")
                }
                let status = text.dropFirst(7)
                self.report.unpackError = status == "ok" ? nil : String(status)
                self.sawUnpack = true
            } else if text.hasPrefix("ok ") {
                self.report.record(text.dropFirst(3), nil, next: &self.next)
            } else if text.hasPrefix("ng ") {
                let rest = text.dropFirst(3)
                let space = rest.firstIndex(of: " ") ?? rest.endIndex
                let reason = rest[space...].drop { $0 == " " }
                self.report.record(rest[..<space], reason.isEmpty ? "failed" : String(reason), next: &self.next)
            } else if text.hasPrefix("option ") {
                return  // report-status-v2 details of the ref above (refname, old-oid, new-oid, forced-update)
            } else {
                throw WireError(.malformed, "unexpected line in the status report: \(text.prefix(120))")
            }
        }
    }
}

extension ReportStatus: Hashable {
    /// Two reports are equal when they say the same of the same refs, whatever order they came in.
    package static func == (lhs: ReportStatus, rhs: ReportStatus) -> Bool {
        lhs.unpackError == rhs.unpackError && lhs.refs == rhs.refs
    }

    package func hash(into hasher: inout Hasher) {
        hasher.combine(self.unpackError)
        hasher.combine(self.refs)
    }
}
