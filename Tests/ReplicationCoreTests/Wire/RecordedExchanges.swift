@testable import ReplicationCore

/// Bytes recorded from git 2.39.5's `git-receive-pack` (a bare mirror with main and dev, an
/// `update` hook refusing dev), as a test would see them on the wire.
enum RecordedExchanges {
    static let main = "c44c21600c3a54c6ab74d4e7f6239d8a3b2be01c"
    static let dev = "3461981fe0e6b079e637ab4889574bed7858552d"

    static let advertisement = bytes(
        "00b0\(dev) refs/heads/dev\0report-status report-status-v2 delete-refs side-band-64k quiet atomic "
            + "ofs-delta object-format=sha1 agent=git/2.39.5\n003d\(main) refs/heads/main\n0000"
    )

    static let emptyRepositoryAdvertisement = bytes(
        "00be\(String(repeating: "0", count: 40)) capabilities^{}\0report-status report-status-v2 delete-refs "
            + "side-band-64k quiet atomic ofs-delta push-options object-format=sha1 agent=git/2.39.5\n0000"
    )

    /// After `dev` → main (refused by the hook) and a new `topic`, sent with side-band-64k.
    static let sideBandReport = bytes(
        "001a\u{2}no dev branches here\n0033\u{2}error: hook declined to update refs/heads/dev\n"
            + "0053\u{1}000eunpack ok\n0024ng refs/heads/dev hook declined\n0018ok refs/heads/topic\n00000000"
    )

    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }
}
