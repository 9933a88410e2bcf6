/// The client side of one receive-pack exchange (`git send-pack`), with no I/O: it takes the bytes
/// the server sends and returns what they mean; the caller writes what ``request(_:)`` returns and
/// the pack. A server that breaks the protocol is a ``WireError``, never a crash or a wait.
package struct SendPackMachine: Sendable {
    package enum Output: Hashable, Sendable {
        /// The refs and capabilities: the caller plans and calls ``request(_:)``.
        case advertised(RefAdvertisement)
        /// Side-band 2: progress and hook output, as the server wrote it.
        case serverMessage(String)
        /// The exchange is over; `nil` when no command was sent.
        case finished(ReportStatus?)
    }

    private enum State: Sendable {
        case advertising
        case planning(RefAdvertisement)
        case reporting(sideBand: Bool)
        /// Reported; what follows on side-band 2 is the output of `post-receive`/`post-update`
        /// hooks and `gc --auto`, which run after the report, until the server closes.
        case reported
        case finished
    }

    private var state = State.advertising
    // The readers live outside `state`, so that their dictionaries are mutated in place: bound out
    // of an enum payload they would be copied once per line (quadratic for 100,000 refs).
    private var advertisementReader = RefAdvertisement.Reader()
    private var reportReader = ReportStatus.Reader()
    private var lines = PktLineDecoder()
    /// Inside side-band 1: the report's own pkt-lines.
    private var reportLines = PktLineDecoder()

    package init() {}

    package var isFinished: Bool {
        switch self.state {
        case .finished, .reported: true
        default: false
        }
    }

    private var isDone: Bool {
        if case .finished = self.state { return true }
        return false
    }

    /// Bytes from the server.
    package mutating func receive(_ bytes: some Sequence<UInt8>) throws(WireError) -> [Output] {
        self.lines.append(bytes)
        var outputs: [Output] = []
        while !self.isDone, let line = try self.lines.next() {
            outputs += try self.take(line)
        }
        return outputs  // after the end, bytes (a trailing flush) do not matter
    }

    /// The server closed its side: fine once finished, else the exchange was cut short.
    package func receiveEnd() throws(WireError) {
        switch self.state {
        case .finished: return
        case .advertising: throw WireError(.truncated, "the server closed the connection before advertising its refs")
        case .planning, .reported: return
        case .reporting:
            throw WireError(.truncated, "the server closed the connection before reporting the push's status")
        }
    }

    /// The bytes that ask for `request`; a pack follows them when ``PushRequest/sendsPack``.
    package mutating func request(_ request: PushRequest) throws(WireError) -> [UInt8] {
        guard case .planning(let advertisement) = self.state else {
            preconditionFailure("request(_:) before the advertisement or twice")
        }
        let bytes = try request.encoded(offered: advertisement.capabilities)
        if request.commands.isEmpty {
            self.state = .finished
        } else {
            let capabilities = advertisement.capabilities
            guard capabilities.contains("report-status") || capabilities.contains("report-status-v2") else {
                throw WireError(.malformed, "the server offers no report-status: per-ref results would be unknown")
            }
            self.reportReader = ReportStatus.Reader(commands: request.commands.map(\.ref))
            self.state = .reporting(sideBand: capabilities.contains("side-band-64k"))
        }
        return bytes
    }

    private mutating func take(_ line: PktLine) throws(WireError) -> [Output] {
        switch self.state {
        case .advertising:
            guard let advertisement = try self.advertisementReader.take(line) else { return [] }
            self.advertisementReader = RefAdvertisement.Reader()
            self.state = .planning(advertisement)
            return [.advertised(advertisement)]
        case .planning:
            throw WireError(.malformed, "the server sent data before the push commands: \(Self.describe(line))")
        case .reporting(let sideBand):
            guard sideBand else { return try self.takeReport(line) }
            return try self.takeSideBand(line)
        case .reported:
            // Only messages matter now; a flush or anything else ends nothing and fails nothing.
            guard case .data(let payload) = line, payload.first == 2 else { return [] }
            return [.serverMessage(String(decoding: payload.dropFirst(), as: UTF8.self))]
        case .finished:
            return []
        }
    }

    private mutating func takeReport(_ line: PktLine) throws(WireError) -> [Output] {
        guard let report = try self.reportReader.take(line) else { return [] }
        self.state = .finished
        return [.finished(report)]
    }

    private mutating func takeSideBand(_ line: PktLine) throws(WireError) -> [Output] {
        guard case .data(let payload) = line, let band = payload.first else {
            if line == .flush {
                throw WireError(.truncated, "the server ended its answer before the status report was complete")
            }
            throw WireError(.malformed, "unexpected special pkt-line in side-band data")
        }
        let body = payload.dropFirst()
        switch band {
        case 1:
            self.reportLines.append(body)
            while let inner = try self.reportLines.next() {
                let outputs = try self.takeReport(inner)
                if !outputs.isEmpty {
                    self.state = .reported
                    return outputs
                }
            }
            return []
        case 2:
            return [.serverMessage(String(decoding: body, as: UTF8.self))]
        case 3:
            throw WireError(.serverError, String(decoding: body, as: UTF8.self).trimmingNewlines)
        default:
            throw WireError(.malformed, "unknown side-band \(band)")
        }
    }

    private static func describe(_ line: PktLine) -> String {
        guard case .data(let payload) = line else { return "\(line)" }
        return PktLineDecoder.show(payload)
    }
}

extension String {
    fileprivate var trimmingNewlines: String {
        var text = Substring(self)
        while text.last == "\n" || text.last == "\r" { text = text.dropLast() }
        return String(text)
    }
}
