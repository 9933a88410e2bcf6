/// Replicator's release version (`--version`, the push agent, `replicator_build_info`).
package enum ReplicatorVersion {
    package static let text = "0.1.0"
}
