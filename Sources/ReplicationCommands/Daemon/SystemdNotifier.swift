import Foundation
import ServiceLifecycle

/// systemd's service notifications (sd_notify(3)), for `Type=notify` units: one datagram per state
/// to the socket in `$NOTIFY_SOCKET` (a path, or `@name` in the abstract namespace). `READY=1`
/// once the HTTP listener accepts, `RELOADING=1` and `READY=1` around a SIGHUP reload, `STOPPING=1`
/// when the drain starts. Without `$NOTIFY_SOCKET` (not under systemd) it sends nothing.
struct SystemdNotifier: Sendable {
    private let socketPath: String?

    init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.socketPath = environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
    }

    func ready(status: String) { self.send("READY=1\nSTATUS=\(status)") }

    /// systemd 253 and later want the monotonic clock with `RELOADING=1` (`Type=notify-reload`).
    func reloading() {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let microseconds = Int64(now.tv_sec) * 1_000_000 + Int64(now.tv_nsec) / 1_000
        self.send("RELOADING=1\nMONOTONIC_USEC=\(microseconds)\nSTATUS=reloading the configuration")
    }

    func stopping() { self.send("STOPPING=1\nSTATUS=draining") }

    private func send(_ message: String) {
        guard let socketPath else { return }
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        // `@name` is Linux's abstract namespace: a leading NUL, and no terminating one counted.
        var path = Array(socketPath.utf8)
        if path.first == UInt8(ascii: "@") { path[0] = 0 }
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard path.count < capacity else { return }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: path) }
        let length = MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + path.count + (path.first == 0 ? 0 : 1)
        let bytes = Array(message.utf8)
        _ = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                sendto(descriptor, bytes, bytes.count, Int32(MSG_NOSIGNAL), $0, socklen_t(length))
            }
        }
    }
}

/// Tells systemd `STOPPING=1` as soon as a graceful shutdown (SIGTERM, SIGINT) begins: placed
/// after every other service, it is the first to hear of it.
struct StoppingNotice: Service {
    let notifier: SystemdNotifier

    func run() async throws {
        try? await gracefulShutdown()
        self.notifier.stopping()
    }
}
