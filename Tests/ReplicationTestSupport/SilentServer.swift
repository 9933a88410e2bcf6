import Foundation
import Synchronization

/// A TCP listener on 127.0.0.1 that accepts connections and never says a word: what a wedged
/// server or a black-holing firewall looks like to an SSH client.
package final class SilentServer: Sendable {
    package let port: Int
    private let listener: Int32
    private let accepted = Mutex<[Int32]>([])

    package init() throws {
        (self.listener, self.port) = try LoopbackListener.open()
        let listener = self.listener
        Thread { [listener] in
            while true {
                let connection = accept(listener, nil, nil)
                guard connection >= 0 else { return }
                self.accepted.withLock { $0.append(connection) }
            }
        }.start()
    }

    deinit {
        shutdown(self.listener, Int32(SHUT_RDWR))
        close(self.listener)
        self.accepted.withLock { $0.forEach { close($0) } }
    }
}

/// A listening TCP socket on 127.0.0.1 and a port the kernel chose.
enum LoopbackListener {
    static func open() throws -> (socket: Int32, port: Int) {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = Self.address(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let listening = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, length) == 0 && getsockname(listener, $0, &length) == 0 && listen(listener, 16) == 0
            }
        }
        guard listening else {
            close(listener)
            throw Command.Failure(description: "cannot listen on 127.0.0.1")
        }
        return (listener, Int(UInt16(bigEndian: address.sin_port)))
    }

    static func address(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return address
    }
}
