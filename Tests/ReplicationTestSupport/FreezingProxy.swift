import Foundation

/// A TCP proxy on 127.0.0.1 in front of another port, which can go silent on the connections it
/// already carries (they stay open, nothing more passes), as a NAT or firewall that forgot them
/// does; new connections pass again.
package final class FreezingProxy: @unchecked Sendable {
    package let port: Int
    private let listener: Int32
    private let target: Int
    private let lock = NSLock()
    private var generation = 0
    private var frozenBelow = 0
    private var frozenForGood = false
    private var sockets: [Int32] = []

    package init(to target: Int) throws {
        self.target = target
        (self.listener, self.port) = try LoopbackListener.open()
        Thread { self.accept() }.start()
    }

    deinit {
        shutdown(self.listener, Int32(SHUT_RDWR))
        close(self.listener)
        self.lock.withLock { self.sockets.forEach { close($0) } }
    }

    /// From now on nothing passes on the connections open so far.
    package func freezeOpenConnections() {
        self.lock.withLock { self.frozenBelow = self.generation }
    }

    /// From now on nothing passes at all, on open connections and on new ones: a database that
    /// accepts and never answers.
    package func freezeEverything() {
        self.lock.withLock { self.frozenForGood = true }
    }

    private func accept() {
        while true {
            let client = Foundation.accept(self.listener, nil, nil)
            guard client >= 0 else { return }
            let server = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = LoopbackListener.address(port: self.target)
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(server, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
                }
            }
            guard connected else {
                close(client)
                close(server)
                continue
            }
            let generation = self.lock.withLock {
                self.generation += 1
                self.sockets += [client, server]
                return self.generation
            }
            Thread { self.pipe(from: client, to: server, generation: generation) }.start()
            Thread { self.pipe(from: server, to: client, generation: generation) }.start()
        }
    }

    private func pipe(from source: Int32, to sink: Int32, generation: Int) {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(source, $0.baseAddress, $0.count) }
            guard count > 0 else { break }
            // A frozen connection swallows everything: the peer waits for an answer forever.
            if self.lock.withLock({ self.frozenForGood || generation <= self.frozenBelow }) { continue }
            var offset = 0
            while offset < count {
                let written = buffer.withUnsafeBytes { write(sink, $0.baseAddress! + offset, count - offset) }
                guard written > 0 else { return }
                offset += written
            }
        }
        shutdown(sink, Int32(SHUT_WR))
    }
}
