extension UpdatePlan {
    /// The updates split into pushes of at most `size` refs (`pushBatchSize`; 0 = one push). A
    /// change's refs (`refs/changes/XX/N/…`, its `meta` ref included) always share a batch, even if
    /// that batch then exceeds `size` (``PushUnits``, without atomic units).
    package func batches(size: Int) -> [[RefUpdate]] {
        PushUnits.split(self.updates, atomic: false, batchSize: size).map(\.updates)
    }
}
