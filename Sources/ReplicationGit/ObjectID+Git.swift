internal import CLibgit2
import ReplicationCore

extension ObjectID {
    /// The id of a libgit2 oid, read from its raw bytes.
    init(_ oid: UnsafePointer<git_oid>) {
        self = withUnsafeBytes(of: oid.pointee.id) { ObjectID(rawBytes: $0) }
    }

    /// The libgit2 oid for this id.
    var oid: git_oid {
        var oid = git_oid()
        withUnsafeMutableBytes(of: &oid.id) { buffer in
            for (index, byte) in self.bytes.enumerated() { buffer[index] = byte }
        }
        return oid
    }
}
