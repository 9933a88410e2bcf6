import Foundation

/// Polls `condition` until it holds or `timeout` passes, blocking the calling thread: for
/// synchronous end-to-end tests, which run off the cooperative pool (``OffThePool``).
package func eventually(
    timeout: Duration = .seconds(30),
    _ condition: () throws -> Bool
) rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try condition() { return true }
        usleep(100_000)
    }
    return try condition()
}

/// Awaits `condition` until it holds or `timeout` passes, sleeping `interval` between looks without
/// holding a thread: for async tests (`every:` tells it from the blocking form). A condition that
/// blocks (a synchronous HTTP call) still should run off the cooperative pool, as every end-to-end
/// suite does.
package func eventually(
    timeout: Duration = .seconds(30),
    every interval: Duration,
    _ condition: () async throws -> Bool
) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: interval)
    }
    return try await condition()
}
