/// A two-way byte stream to a `git-receive-pack`: an ssh exec channel or a local process. Every
/// call is bounded by the push's timeout; a read of 0 bytes is the end of the server's output.
protocol WireChannel: AnyObject {
    func read(into buffer: inout [UInt8]) throws(GitError) -> Int
    func write(_ bytes: UnsafeRawBufferPointer) throws(GitError)
    /// No more input for the server.
    func finishWriting() throws(GitError)
    /// What the server wrote on standard error (its `fatal:` reason when it stopped early).
    func errorOutput() -> String
    /// The server broke the protocol and may still be connected: hang up without waiting for it.
    func abandon()
    var bytesWritten: Int { get }
}

extension WireChannel {
    func write(_ bytes: [UInt8]) throws(GitError) {
        var failure: GitError?
        bytes.withUnsafeBytes { raw in
            do throws(GitError) { try self.write(raw) } catch { failure = error }
        }
        if let failure { throw failure }
    }
}
