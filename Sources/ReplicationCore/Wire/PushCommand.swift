/// One line of a push's command list: `<old> <new> <ref>`. The old id is what the listing showed,
/// so receive-pack applies the command only while the ref still holds it (a compare-and-swap).
package struct PushCommand: Hashable, Sendable {
    package var ref: String
    /// `nil`: the ref must not exist (a create).
    package var oldID: ObjectID?
    /// `nil`: delete the ref.
    package var newID: ObjectID?

    package init(ref: String, oldID: ObjectID?, newID: ObjectID?) {
        self.ref = ref
        self.oldID = oldID
        self.newID = newID
    }

    package init(_ update: RefUpdate) {
        self.init(ref: update.destination, oldID: update.oldID, newID: update.newID)
    }
}

/// What the client asks of receive-pack for one push: commands, options, and the capabilities
/// chosen from those it advertised.
package struct PushRequest: Hashable, Sendable {
    package var commands: [PushCommand]
    /// `push-options`, sent only when the server advertises them (else the push is refused).
    package var options: [String] = []
    /// All commands or none (`atomic`); refused before sending when the server lacks it.
    package var atomic = false
    package var agent = "replicator"

    package init(commands: [PushCommand], options: [String] = [], atomic: Bool = false) {
        self.commands = commands
        self.options = options
        self.atomic = atomic
    }

    /// Whether a pack follows the commands: not when every command is a deletion (git's rule).
    package var sendsPack: Bool { self.commands.contains { $0.newID != nil } }

    /// The capabilities asked for, in the order `git send-pack` writes them.
    package func capabilities(offered: Capabilities) throws(WireError) -> [String] {
        var chosen: [String] = []
        if offered.contains("report-status-v2") {
            chosen.append("report-status-v2")
        } else if offered.contains("report-status") {
            chosen.append("report-status")
        }
        if offered.contains("side-band-64k") { chosen.append("side-band-64k") }
        if offered.contains("quiet") { chosen.append("quiet") }
        if self.atomic {
            guard offered.contains("atomic") else {
                throw WireError(.malformed, "the server does not support atomic pushes")
            }
            chosen.append("atomic")
        }
        if !self.options.isEmpty {
            guard offered.contains("push-options") else {
                throw WireError(.malformed, "the server does not support push options")
            }
            chosen.append("push-options")
        }
        if offered.contains("ofs-delta") { chosen.append("ofs-delta") }
        if let format = offered["object-format"], format != "sha1" {
            throw WireError(.malformed, "the server's repository uses \(format) object ids; Replicator speaks sha1")
        }
        chosen.append("agent=\(self.agent)")
        return chosen
    }

    /// The bytes of the command list and push options; the pack (if any) follows them.
    package func encoded(offered: Capabilities) throws(WireError) -> [UInt8] {
        guard !self.commands.isEmpty else { return PktLine.flush.encoded }
        if !offered.contains("delete-refs"), let delete = self.commands.first(where: { $0.newID == nil }) {
            throw WireError(.malformed, "the server does not allow deleting refs (\(delete.ref))")
        }
        let capabilities = try self.capabilities(offered: offered).joined(separator: " ")
        var bytes: [UInt8] = []
        bytes.reserveCapacity(self.commands.count * 128)
        for (index, command) in self.commands.enumerated() {
            // Written straight into the list: 100,000 commands as strings took 7 % of a first push's CPU.
            let tail = index == 0 ? Array("\0\(capabilities)".utf8) : []
            let payload = 82 + command.ref.utf8.count + tail.count + 1
            guard payload <= PktLine.maximumPayload else {
                throw WireError(.malformed, "ref name too long for a pkt-line: \(command.ref.prefix(120))")
            }
            PktLine.appendLength(of: payload, to: &bytes)
            (command.oldID ?? ObjectID.zero).appendHex(to: &bytes)
            bytes.append(UInt8(ascii: " "))
            (command.newID ?? ObjectID.zero).appendHex(to: &bytes)
            bytes.append(UInt8(ascii: " "))
            bytes += command.ref.utf8
            bytes += tail
            bytes.append(UInt8(ascii: "\n"))
        }
        bytes += PktLine.flush.encoded
        guard !self.options.isEmpty else { return bytes }
        for option in self.options { bytes += PktLine.text(option).encoded }
        return bytes + PktLine.flush.encoded
    }
}
