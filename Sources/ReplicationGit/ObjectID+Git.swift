internal import CLibgit2
import ReplicationCore

extension ObjectID {
    /// The hex form of a libgit2 oid (`git_oid_fmt` is much faster than formatting bytes in Swift).
    init(_ oid: UnsafePointer<git_oid>) {
        var buffer = [UInt8](repeating: 0, count: 40)
        buffer.withUnsafeMutableBufferPointer { bytes in
            bytes.baseAddress!.withMemoryRebound(to: CChar.self, capacity: 40) { _ = git_oid_fmt($0, oid) }
        }
        self.init(hex: String(decoding: buffer, as: UTF8.self))!
    }

    /// The libgit2 oid for this id.
    var oid: git_oid {
        var oid = git_oid()
        _ = git_oid_fromstr(&oid, self.hex)
        return oid
    }
}
