import Foundation
import ReplicationGit
import ReplicationTestSupport
import Testing

/// The ssh transport's TCP connection.
@Suite(.offThePool)
struct TCPConnectionTests {
    /// libssh2 writes each SSH packet with its own send(): with Nagle's algorithm on, the second of
    /// two small packets waited for the server's delayed ACK (40 ms) at every key exchange, channel
    /// open and exec, 100 ms of a 440 ms push on loopback.
    @Test func sendsSmallPacketsAtOnce() throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(listener, pointer, length) == 0 && listen(listener, 1) == 0
                    && getsockname(listener, pointer, &length) == 0
            }
        }
        try #require(bound)
        let port = Int(UInt16(bigEndian: address.sin_port))
        let connection = try TCPConnection.open(host: "127.0.0.1", port: port, timeout: .seconds(5))
        defer { close(connection) }
        var noDelay: Int32 = 0
        var size = socklen_t(MemoryLayout<Int32>.size)
        #expect(getsockopt(connection, Int32(IPPROTO_TCP), TCP_NODELAY, &noDelay, &size) == 0)
        #expect(noDelay == 1)
    }
}
