import Foundation

/// `webhook_receiver.py` beside this file: a real HTTP server that fails the first `failing` POSTs
/// with 500, then accepts, logging each accepted request (headers and JSON body) as a line.
package final class WebhookReceiver {
    static let scriptPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("webhook_receiver.py").path

    package let port: Int
    package let logPath: String
    private let process: BackgroundProcess

    package var url: String { "http://127.0.0.1:\(self.port)/hook" }

    /// Starts on `port` (0: any free one) in `directory`, failing the first `failing` POSTs.
    package init(in directory: TemporaryDirectory, name: String, failing: Int, port: Int = 0) throws {
        let portFile = directory.path("\(name).port")
        try? FileManager.default.removeItem(atPath: portFile)
        self.logPath = directory.path("\(name).jsonl")
        self.process = try BackgroundProcess(
            "/usr/bin/env",
            [
                "python3", Self.scriptPath, "--fail", "\(failing)", "--log", self.logPath, "--port-file", portFile,
                "--port", "\(port)",
            ],
            log: directory.path("\(name).log")
        )
        guard eventually(timeout: .seconds(10), { FileManager.default.fileExists(atPath: portFile) }),
            let text = try? String(contentsOfFile: portFile, encoding: .utf8), let port = Int(text)
        else {
            throw Command.Failure(description: "the webhook receiver did not start: \(self.process.log)")
        }
        self.port = port
    }

    /// The accepted requests, in order, as JSON text lines.
    package var received: [String] {
        let text = (try? String(contentsOfFile: self.logPath, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map(String.init)
    }

    package func stop() {
        self.process.signal(SIGKILL)
        self.process.wait()
    }

    deinit {
        if !self.process.hasExited { self.stop() }
    }
}

/// `curl -sN` on a streaming URL (`GET /events/stream`), its output collected in a file: a real
/// client holding a real connection open.
package final class StreamSubscriber {
    private let process: BackgroundProcess
    private let outputPath: String

    package init(_ url: String, output: String, headers: [String: String] = [:]) throws {
        self.outputPath = output
        try? FileManager.default.removeItem(atPath: output)
        let headerArguments = headers.flatMap { ["-H", "\($0.key): \($0.value)"] }
        self.process = try BackgroundProcess("/usr/bin/env", ["curl", "-sN"] + headerArguments + [url], log: output)
    }

    /// Complete lines received so far.
    package var lines: [String] {
        let text = (try? String(contentsOfFile: self.outputPath, encoding: .utf8)) ?? ""
        return text.split(separator: "\n", omittingEmptySubsequences: true).dropLast(text.hasSuffix("\n") ? 0 : 1)
            .map(String.init)
    }

    package var hasExited: Bool { self.process.hasExited }

    /// Disconnects.
    package func stop() {
        self.process.signal(SIGKILL)
        self.process.wait()
    }

    deinit {
        if !self.process.hasExited { self.stop() }
    }
}
