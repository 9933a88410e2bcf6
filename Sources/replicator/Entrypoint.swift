import CProcessControl
import ReplicationCommands

@main
enum Entrypoint {
    static func main() async {
        Self.returnLargeBlocksToTheSystem()
        await ReplicatorCommand.runAsMain()
    }

    /// glibc raises its mmap threshold (up to 32 MiB) each time a large block is freed, so that the
    /// ref tables, plans and reports of a big push (arrays of 10-30 MB) come from the heap, where
    /// freed space stays in the process: a first push of 100,000 refs peaked at 300 MB RSS for a
    /// 133 MB heap. A fixed threshold keeps such blocks mapped on their own and returned when freed
    /// (175 MB, same time).
    private static func returnLargeBlocksToTheSystem() {
        _ = replicator_set_mmap_threshold(1 << 20)
    }
}
