import Foundation
package import ReplicationCore

/// How Replicator's own push engine reaches a mirror.
package struct SendPackOptions: Sendable {
    /// The local git binary: packs (`pack-objects`) and local mirrors (`receive-pack`).
    package var git: String
    /// The command run on ssh remotes (`remote.NAME.receivepack`).
    package var receivePack: String
    package var connectTimeout: Duration
    /// Without progress, per network step; zero waits as long as the server (Gerrit's default).
    package var timeout: Duration
    package var batchSize: Int
    /// A change's refs in an atomic push of their own where the mirror supports it.
    package var atomicChanges: Bool
    package var pool: SSHSessionPool
    package var agent = "replicator"
    /// Set when the push runs in a process that may have to stop it (the daemon at shutdown).
    package var cancellation: PushCancellation?
    /// Credentials and trust for `https://` mirrors.
    package var http = HTTPTransportOptions()
    /// Asked right before each unit's commands are sent (after the mirror's refs were read): `nil`
    /// lets them go, a reason fails the unit unsent (a daemon whose lease on the project is lost).
    package var beforeCommands: (@Sendable () -> String?)?
    /// `remote.NAME.pushOption`: sent with every push; a mirror that does not advertise
    /// `push-options` gets no commands, and every ref fails saying why.
    package var pushOptions: [String] = []
    /// `remote.NAME.maxPushSize`: no pack larger than this many bytes; 0 sets no cap of ours.
    package var maxPushSize = 0
    /// A source with at most this many bytes stored (packs and loose objects) has a small push
    /// packed in this process (``SmallPack``); 0 leaves every pack to `git pack-objects`, as does
    /// a `maxPushSize` (its steps are sized by git's stored sizes, which git's thin packs keep to).
    package var smallPackLimit = 1 << 20

    package init(
        git: String,
        receivePack: String = "git-receive-pack",
        connectTimeout: Duration = .seconds(120),
        timeout: Duration = .zero,
        batchSize: Int = 0,
        atomicChanges: Bool = true,
        pool: SSHSessionPool
    ) {
        self.git = git
        self.receivePack = receivePack
        self.connectTimeout = connectTimeout
        self.timeout = timeout
        self.batchSize = batchSize
        self.atomicChanges = atomicChanges
        self.pool = pool
    }
}

extension GitRepository {
    /// Pushes to `url` with Replicator's own receive-pack client: list the mirror's refs, plan
    /// with `makePlan`, then send each ``PushUnit`` (batches, atomic changes) in its own exchange
    /// over one ssh session; packs come from `git pack-objects`, thin against the mirror's refs.
    /// Throws only when nothing was sent (connect, authentication, host key, listing).
    package func sendPack(
        to url: RemoteURL,
        access: SSHAccess,
        options: SendPackOptions,
        progress: ((PushProgress) -> Void)? = nil,
        plan makePlan: (RefTable) -> UpdatePlan
    ) throws(GitError) -> PushReport {
        signal(SIGPIPE, SIG_IGN)
        return try WireConnector(url: url, access: access, options: options).withExchanges { (open) throws(GitError) in
            var first = try open()
            let advertisement = try first.advertisement()
            progress?(.connected)
            let plan = makePlan(advertisement.refs)
            progress?(.planned(updates: plan.updates.count))
            var push = SendPackRun(
                repository: self,
                options: options,
                advertisement: advertisement,
                plan: plan,
                url: url.description,
                progress: progress
            )
            let report = try push.run(first: first, open: open)
            return StaleRefLocks.clear(after: report, at: url)
        }
    }
}

/// Opens receive-pack exchanges for one push: exec channels on one pooled ssh session, connections
/// to a `git daemon`, or local `git receive-pack` processes.
struct WireConnector {
    let url: RemoteURL
    let access: SSHAccess
    let options: SendPackOptions

    func withExchanges<Result>(
        _ body: (() throws(GitError) -> SendPackExchange) throws(GitError) -> Result
    ) throws(GitError) -> Result {
        if let connect = self.connection {
            // One connection (or request pair) per exchange.
            return try body { () throws(GitError) in
                try self.checkCancelled()
                return SendPackExchange(channel: try connect())
            }
        }
        guard self.url.transport == .ssh else {
            guard FileManager.default.fileExists(atPath: self.url.path) else {
                throw GitError(
                    code: .repositoryNotFound,
                    function: "receive-pack",
                    status: -3,
                    message: "\(self.url.path) does not exist"
                )
            }
            return try body { () throws(GitError) in
                SendPackExchange(
                    channel: try LocalReceivePack(
                        git: self.options.git,
                        path: self.url.path,
                        timeout: self.options.timeout,
                        cancellation: self.options.cancellation
                    )
                )
            }
        }
        let command = "\(self.options.receivePack) \(ShellQuoting.quote(path: self.url.path))"
        return try self.options.pool.withSession(
            SSHEndpointKey(url: self.url, access: self.access),
            connectTimeout: self.options.connectTimeout
        ) { (session) throws(GitError) in
            let cancellation = self.options.cancellation ?? PushCancellation()
            return try cancellation.whileRunning(interrupt: { session.interrupt() }) { () throws(GitError) in
                try body { () throws(GitError) in
                    try self.checkCancelled()
                    session.setTimeout(self.options.connectTimeout)
                    let channel = try session.exec(command)
                    session.setTimeout(self.options.timeout)
                    return SendPackExchange(channel: channel)
                }
            }
        }
    }

    /// How an exchange with a `git daemon` or an HTTP server opens, or `nil` for ssh and local paths.
    private var connection: (() throws(GitError) -> any WireChannel)? {
        let (url, options) = (self.url, self.options)
        switch url.transport {
        case .http, .https:
            return { () throws(GitError) in
                try HTTPChannel(
                    url: url,
                    options: options.http,
                    connectTimeout: options.connectTimeout,
                    timeout: options.timeout,
                    cancellation: options.cancellation
                )
            }
        case .git:
            return { () throws(GitError) in
                try GitDaemonChannel(
                    url: url,
                    connectTimeout: options.connectTimeout,
                    timeout: options.timeout,
                    cancellation: options.cancellation
                )
            }
        default:
            return nil
        }
    }

    private func checkCancelled() throws(GitError) {
        if let cancellation = self.options.cancellation, cancellation.isCancelled { throw cancellation.stopped }
    }
}

extension GitRepository {
    /// The refs the remote at `url` advertises to a push, listed by Replicator's own client with
    /// the push's timeouts (over ssh; local mirrors are read directly).
    package func listRemoteRefs(url: RemoteURL, access: SSHAccess, options: SendPackOptions?) throws(GitError)
        -> RefTable
    {
        guard let options, [.ssh, .git, .http, .https].contains(url.transport) else {
            return try self.listRemoteRefs(url: url, access: access)
        }
        signal(SIGPIPE, SIG_IGN)
        return try WireConnector(url: url, access: access, options: options).withExchanges {
            (open) throws(GitError) in
            var exchange = try open()
            let refs = try exchange.advertisement().refs
            _ = try? exchange.push(PushRequest(commands: []), writePack: { _ in })
            return refs
        }
    }
}
