import Foundation

/// A TCP proxy on 127.0.0.1 in front of another port that a test cuts and heals, as a network
/// partition between one node and its database: `.blackhole` stops everything from passing (bytes
/// in flight wait, new connections are accepted and wait: packets dropped and retransmitted until
/// the link comes back), `.reset` closes every connection and refuses new ones (a firewall that
/// answers with RST). ``heal()`` lets everything through again.
package final class PartitionProxy: @unchecked Sendable {
    package enum Cut: Sendable {
        case blackhole
        case reset
    }

    package let port: Int
    private let listener: Int32
    private let target: Int
    private let condition = NSCondition()
    private var cut: Cut?
    private var sockets: Set<Int32> = []
    private var closed = false

    package init(to target: Int) throws {
        self.target = target
        (self.listener, self.port) = try LoopbackListener.open()
        Thread { self.accept() }.start()
    }

    deinit {
        self.shutDown()
    }

    /// Cuts the link until ``heal()``.
    package func cut(_ mode: Cut) {
        let dropped = self.condition.withLock {
            self.cut = mode
            return mode == .reset ? self.sockets : []
        }
        for socket in dropped { shutdown(socket, Int32(SHUT_RDWR)) }
    }

    package func heal() {
        self.condition.withLock {
            self.cut = nil
            self.condition.broadcast()
        }
    }

    package var isCut: Bool { self.condition.withLock { self.cut != nil } }

    /// Closes the listener and every connection.
    package func shutDown() {
        let open = self.condition.withLock {
            self.closed = true
            self.condition.broadcast()
            return self.sockets
        }
        shutdown(self.listener, Int32(SHUT_RDWR))
        for socket in open { shutdown(socket, Int32(SHUT_RDWR)) }
    }

    /// Waits while the link is blackholed; `false` when the connection must be dropped instead.
    private func mayPass() -> Bool {
        self.condition.withLock {
            while self.cut == .blackhole, !self.closed { self.condition.wait() }
            return self.cut == nil && !self.closed
        }
    }

    private func accept() {
        while true {
            let client = Foundation.accept(self.listener, nil, nil)
            guard client >= 0 else { return }
            Thread { self.connect(client) }.start()
        }
    }

    private func connect(_ client: Int32) {
        guard self.mayPass() else {
            close(client)
            return
        }
        let server = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = LoopbackListener.address(port: self.target)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Foundation.connect(server, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        guard connected else {
            close(client)
            close(server)
            return
        }
        self.condition.withLock { self.sockets.formUnion([client, server]) }
        let done = DispatchGroup()
        for (source, sink) in [(client, server), (server, client)] {
            done.enter()
            Thread {
                self.pipe(from: source, to: sink)
                done.leave()
            }.start()
        }
        done.wait()
        self.condition.withLock { self.sockets.subtract([client, server]) }
        close(client)
        close(server)
    }

    private func pipe(from source: Int32, to sink: Int32) {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(source, $0.baseAddress, $0.count) }
            guard count > 0, self.mayPass() else { break }
            var offset = 0
            while offset < count {
                let written = buffer.withUnsafeBytes {
                    send(sink, $0.baseAddress! + offset, count - offset, Int32(MSG_NOSIGNAL))
                }
                guard written > 0 else {
                    shutdown(source, Int32(SHUT_RDWR))
                    return
                }
                offset += written
            }
        }
        shutdown(sink, Int32(SHUT_RDWR))
        shutdown(source, Int32(SHUT_RDWR))
    }
}
