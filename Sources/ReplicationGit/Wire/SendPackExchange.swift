import Foundation
import ReplicationCore

/// One conversation with a `git-receive-pack` over a channel, driven by the pure
/// ``SendPackMachine``: read the advertisement, send the commands and the pack, read the report.
struct SendPackExchange {
    let channel: any WireChannel
    private var machine = SendPackMachine()
    private var buffer = [UInt8](repeating: 0, count: 65_536)
    private(set) var serverMessages = ""

    init(channel: any WireChannel) {
        self.channel = channel
    }

    mutating func advertisement() throws(GitError) -> RefAdvertisement {
        while true {
            for output in try self.receive().outputs {
                if case .advertised(let advertisement) = output { return advertisement }
            }
        }
    }

    /// Sends `request` and, when it needs one, the pack `writePack` writes; returns the report
    /// (`nil` when there was nothing to send).
    mutating func push(_ request: PushRequest, writePack: (any WireChannel) throws(GitError) -> Void)
        throws(GitError) -> ReportStatus?
    {
        try self.writeCommands(request)
        if request.commands.isEmpty {
            try self.channel.finishWriting()
            return nil
        }
        if request.sendsPack {
            do {
                try writePack(self.channel)
            } catch {
                // The mirror stopped taking the pack (a size cap, a full disk): its report says why,
                // as `git send-pack` reads it after a failed write.
                guard let report = self.reportAfterFailedWrite() else { throw error }
                return report
            }
        }
        try self.channel.finishWriting()
        // After the report, receive-pack runs post-receive/post-update hooks and `gc --auto`, whose
        // output follows on side-band 2: read to the end, as `git send-pack` does, so that closing
        // the channel never cuts a hook short.
        var report: ReportStatus?
        while true {
            let (outputs, ended) = try self.receive()
            for case .finished(let finished) in outputs { report = finished }
            if ended { break }
        }
        return report
    }

    /// Writes the command list; its bytes live only while they are written (13 MB for 100,000
    /// refs, which otherwise stayed through the pack and the report).
    private mutating func writeCommands(_ request: PushRequest) throws(GitError) {
        let commands: [UInt8]
        do {
            commands = try self.machine.request(request)
        } catch {
            throw Self.gitError(error, errorOutput: "")
        }
        try self.channel.write(commands)
    }

    /// The report of a server that stopped reading the pack, if it sent one (an unpack error);
    /// `nil` when it sent nothing usable, and the write's error stands.
    private mutating func reportAfterFailedWrite() -> ReportStatus? {
        try? self.channel.finishWriting()
        var report: ReportStatus?
        while true {
            guard let (outputs, ended) = try? self.receive() else { break }
            for case .finished(let finished) in outputs { report = finished }
            if ended { break }
        }
        guard let report, report.unpackError != nil else { return nil }
        return report
    }

    private mutating func receive() throws(GitError) -> (outputs: [SendPackMachine.Output], ended: Bool) {
        let count = try self.channel.read(into: &self.buffer)
        do {
            guard count > 0 else {
                try self.machine.receiveEnd()
                return ([], true)
            }
            let outputs = try self.machine.receive(self.buffer.prefix(count))
            for case .serverMessage(let text) in outputs { self.serverMessages += text }
            return (outputs, false)
        } catch {
            let errorOutput = self.channel.errorOutput()
            if error.code != .truncated { self.channel.abandon() }
            throw Self.gitError(error, errorOutput: errorOutput)
        }
    }

    /// A protocol failure, with what the server said on standard error (`fatal: '…' does not
    /// appear to be a git repository`), classified as libgit2's errors are.
    static func gitError(_ error: WireError, errorOutput: String) -> GitError {
        let said = errorOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        let message = said.isEmpty ? error.message : "\(error.message): \(said)"
        // git daemon says it in-band: `ERR access denied or repository not exported: /p.git`.
        let lowered = (said + " " + error.message).lowercased()
        let missing = [
            "does not appear to be a git repository", "not a git repository", "no such file or directory",
            "repository not exported",
        ]
        let code: GitError.Code =
            missing.contains(where: lowered.contains)
            ? .repositoryNotFound : error.code == .serverError ? .other : .network
        return GitError(code: code, function: "receive-pack", status: -1, message: message)
    }
}
