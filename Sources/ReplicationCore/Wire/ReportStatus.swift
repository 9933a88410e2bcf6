/// receive-pack's answer to a push (`report-status`, `report-status-v2`): whether the pack was
/// unpacked, and per ref `ok` or `ng` with the server's reason.
package struct ReportStatus: Hashable, Sendable {
    /// `nil` when unpacking succeeded, else receive-pack's reason.
    package var unpackError: String?
    /// Per ref: `nil` for ok, else the reason it was refused.
    package var refs: [String: String?] = [:]

    package init(unpackError: String? = nil, refs: [String: String?] = [:]) {
        self.unpackError = unpackError
        self.refs = refs
    }

    /// Reads the report's lines, up to its flush.
    package struct Reader: Sendable {
        private var report = ReportStatus()
        private var sawUnpack = false

        package init() {}

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
                self.report.refs[String(text.dropFirst(3))] = .some(nil)
            } else if text.hasPrefix("ng ") {
                let rest = text.dropFirst(3)
                let space = rest.firstIndex(of: " ") ?? rest.endIndex
                let reason = rest[space...].drop { $0 == " " }
                self.report.refs[String(rest[..<space])] = .some(reason.isEmpty ? "failed" : String(reason))
            } else if text.hasPrefix("option ") {
                return  // report-status-v2 details of the ref above (refname, old-oid, new-oid, forced-update)
            } else {
                throw WireError(.malformed, "unexpected line in the status report: \(text.prefix(120))")
            }
        }
    }
}
