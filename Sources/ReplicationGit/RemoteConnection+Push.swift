internal import CLibgit2
import Foundation

extension RemoteConnection {
    /// Uploads `refSpecs` on this (connected) remote; per-ref statuses land in the session.
    func upload(_ refSpecs: [String]) throws(GitError) {
        var options = git_push_options()
        try check("git_push_options_init", git_push_options_init(&options, UInt32(GIT_PUSH_OPTIONS_VERSION)))
        options.callbacks = self.pushCallbacks()
        options.pb_parallelism = 0  // every core (libgit2's default is one thread)
        let status = StringArray(refSpecs).withGitStrArray { array in git_remote_upload(self.handle, &array, &options) }
        guard status >= 0 else { throw self.session.failure ?? GitError.last("git_remote_upload", status: status) }
    }

    private func pushCallbacks() -> git_remote_callbacks {
        var callbacks = self.callbacks
        callbacks.push_update_reference = { reference, status, payload in
            guard let reference else { return 0 }
            RemoteSession.from(payload).referenceStatuses[String(cString: reference)] =
                status.map { String(cString: $0) } ?? ""
            return 0
        }
        callbacks.sideband_progress = { text, length, payload in
            guard let text, length > 0 else { return 0 }
            let bytes = UnsafeRawBufferPointer(start: text, count: Int(length))
            RemoteSession.from(payload).serverMessages += String(decoding: bytes, as: UTF8.self)
            return 0
        }
        callbacks.push_transfer_progress = { _, _, bytes, payload in
            RemoteSession.from(payload).bytesSent = Int(bytes)
            return 0
        }
        return callbacks
    }
}

/// C strings for a `git_strarray`, freed after use.
struct StringArray {
    private let strings: [String]

    init(_ strings: [String]) {
        self.strings = strings
    }

    func withGitStrArray<Result>(_ body: (inout git_strarray) -> Result) -> Result {
        var pointers = self.strings.map { strdup($0) }
        defer { pointers.forEach { free($0) } }
        return pointers.withUnsafeMutableBufferPointer { buffer in
            var array = git_strarray(strings: buffer.baseAddress, count: buffer.count)
            return body(&array)
        }
    }
}
