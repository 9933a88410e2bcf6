/// What parsing one remote needs from the rest of the configuration.
struct RemoteParsingContext {
    var configDirectory: String
    var gerrit: GerritOptions
    var replication: ReplicationOptions
    var rewrites: URLRewrites
    var regexes: RegexCache
}

extension RemoteConfiguration {
    /// Reads one remote; `nil` (with a warning) when Gerrit would skip it.
    init?(
        name: String,
        location: ConfigLocation,
        reader: inout SectionReader,
        context: RemoteParsingContext
    ) {
        self.init(name: name, location: location)
        if let fetch = reader.all("fetch").first {
            reader.warning(
                .skippedRemote,
                "fetch",
                fetch,
                "remote skipped: it has fetch refspecs, so it is not a push target (as in Gerrit)"
            )
            return nil
        }
        guard !reader.strings("url").isEmpty else {
            reader.report(
                .warning(.skippedRemote, key: reader.qualified("url"), at: location, "remote skipped: it has no url")
            )
            return nil
        }
        self.readFilters(&reader, regexes: context.regexes)
        self.readRefSpecs(&reader, defaultForceUpdate: context.gerrit.defaultForceUpdate)
        self.readURLs(&reader, context: context)
        self.readSchedulingOptions(&reader, context: context)
        self.readPushOptions(&reader, context: context)
        self.readExtensions(&reader, context: context)
        self.lint(&reader)
    }

    private mutating func readFilters(_ reader: inout SectionReader, regexes: RegexCache) {
        self.projects = ProjectFilter(
            includes: Self.projectPatterns("projects", &reader, regexes: regexes),
            excludes: Self.projectPatterns("excludeProjects", &reader, regexes: regexes)
        )
        self.excludedRefsPatterns = reader.strings("excludedRefsPattern").compactMap { value, entry in
            do {
                return try RefNameRegex(value, cache: regexes)
            } catch {
                reader.error(.invalidRegex, "excludedRefsPattern", entry, "\(error)")
                return nil
            }
        }
    }

    private static func projectPatterns(
        _ key: String,
        _ reader: inout SectionReader,
        regexes: RegexCache
    ) -> [ProjectPattern] {
        reader.strings(key).compactMap { value, entry in
            do {
                let pattern = try ProjectPattern(value, cache: regexes)
                if pattern.kind == .regex, let nested = RegexRisk.nestedQuantifier(in: value) {
                    let message =
                        "'\(nested)' nests quantifiers: matching some names takes exponential time; the daemon gives "
                        + "each match \(ProjectPattern.matchTimeLimitText) and then treats the project as not matching"
                    reader.warning(.suspiciousRegex, key, entry, message)
                }
                return pattern
            } catch {
                reader.error(.invalidRegex, key, entry, "\(error)")
                return nil
            }
        }
    }

    private mutating func readRefSpecs(_ reader: inout SectionReader, defaultForceUpdate: Bool) {
        var specs: [RefSpec] = []
        var locations: [ConfigLocation?] = []
        for (value, entry) in reader.strings("push") {
            do {
                let spec = try RefSpec(parsing: value)
                if spec.isDelete {
                    let message =
                        "delete refspecs (':dst') are not supported; deletions follow mirror and replicateDeletions"
                    reader.error(.invalidRefSpec, "push", entry, message)
                    continue
                }
                specs.append(spec)
                locations.append(entry.location)
            } catch {
                reader.error(.invalidRefSpec, "push", entry, "\(error)")
            }
        }
        if reader.all("push").isEmpty {
            specs = [try! RefSpec(parsing: defaultForceUpdate ? "+refs/*:refs/*" : "refs/*:refs/*")]
            locations = [nil]
        }
        self.push = PushRefSpecs(specs)
        self.pushLocations = locations
    }

    private mutating func readURLs(_ reader: inout SectionReader, context: RemoteParsingContext) {
        let singleProject = self.projects.singleProject != nil
        self.urls = reader.strings("url").compactMap { value, entry in
            Self.template(
                value,
                entry: entry,
                key: "url",
                reader: &reader,
                context: context,
                nameOptional: singleProject
            )
        }
        self.adminUrls = reader.strings("adminUrl").compactMap { value, entry in
            if ["gerrit+ssh://", "gerrit+http://", "gerrit+https://"].contains(where: value.lowercased().hasPrefix) {
                return Self.gerritAdmin(value, entry: entry, reader: &reader)
            }
            let template = Self.template(
                value,
                entry: entry,
                key: "adminUrl",
                reader: &reader,
                context: context,
                nameOptional: false
            )
            // Admin commands run over ssh or on the local filesystem; others were reported above.
            guard let template, [.ssh, .local].contains(template.url.transport) else { return nil }
            return template
        }
    }

    private static func template(
        _ value: String,
        entry: GitConfigEntry,
        key: String,
        reader: inout SectionReader,
        context: RemoteParsingContext,
        nameOptional: Bool
    ) -> URLTemplate? {
        let rewritten = context.rewrites.apply(to: value)
        let url: RemoteURL
        do {
            url = try RemoteURL(parsing: rewritten)
        } catch {
            reader.error(.invalidURL, key, entry, "\(error)")
            return nil
        }
        let resolved =
            url.transport == .local && url.scheme == nil
            ? url.replacingPath(PathText.resolve(url.path, against: context.configDirectory)) : url
        let template = URLTemplate(text: value, url: resolved)
        if !template.hasNamePlaceholder && !nameOptional {
            let message =
                "\"\(value)\" lacks ${name} placeholder in its path (required unless projects names exactly one project)"
            reader.error(.missingNamePlaceholder, key, entry, message)
            return nil
        }
        if resolved.path.hasSuffix("/") || resolved.path.hasSuffix("/.git") {
            // Every expansion would name a directory with an empty last component: a push or a
            // project deletion there would act on the parent directory.
            let message = "\"\(value)\": the path's last component is empty; end it with ${name} or ${name}.git"
            reader.error(.invalidURL, key, entry, message)
            return nil
        }
        Self.checkTransport(template, key: key, entry: entry, reader: &reader)
        return template
    }

    /// `gerrit+ssh://[USER@]HOST[:PORT]/` or `gerrit+http(s)://HOST[:PORT][/PREFIX]/`: a Gerrit server
    /// whose ssh commands or REST API create, re-point and delete projects; the project name is an
    /// argument, so no `${name}` is needed.
    private static func gerritAdmin(_ value: String, entry: GitConfigEntry, reader: inout SectionReader)
        -> URLTemplate?
    {
        guard let url = try? RemoteURL(parsing: value), url.host?.isEmpty == false else {
            let scheme = value.prefix { $0 != ":" }
            reader.error(.invalidURL, "adminUrl", entry, "\"\(value)\": expected \(scheme)://[USER@]HOST[:PORT]/")
            return nil
        }
        return URLTemplate(text: value, url: url)
    }

    private static func checkTransport(
        _ template: URLTemplate,
        key: String,
        entry: GitConfigEntry,
        reader: inout SectionReader
    ) {
        switch (key, template.url.transport) {
        case (_, .ssh), (_, .local), ("url", .git), ("url", .https), ("url", .http):
            return
        case ("adminUrl", _):
            let message =
                "\"\(template.text)\": adminUrls are ssh, gerrit+ssh, gerrit+http(s) or local paths"
            reader.error(.invalidURL, key, entry, message)
        default:
            let message =
                "\"\(template.text)\": Replicator pushes over ssh, https, git:// and to local paths; \(template.url.scheme ?? "this") URLs are not supported yet"
            reader.warning(.invalidURL, key, entry, message)
        }
    }

    private mutating func readSchedulingOptions(_ reader: inout SectionReader, context: RemoteParsingContext) {
        self.replicationDelay = .seconds(reader.int("replicationDelay", default: 15, minimum: 0, unit: .seconds))
        self.rescheduleDelay = .seconds(
            reader.int(
                "rescheduleDelay",
                default: Self.minimumRescheduleDelay,
                minimum: Self.minimumRescheduleDelay,
                unit: .seconds
            )
        )
        self.replicationRetry = reader.minutesOrSeconds("replicationRetry", default: 1)
        self.replicationMaxRetries = reader.int(
            "replicationMaxRetries",
            default: context.replication.maxRetries,
            minimum: 0
        )
        self.drainQueueAttempts = reader.int("drainQueueAttempts", default: 0, minimum: 0)
        self.threads = reader.int("threads", default: 1, minimum: 1)
        self.slowLatencyThreshold = reader.duration(
            "slowLatencyThreshold",
            default: Self.defaultSlowLatencyThreshold,
            defaultUnit: .seconds
        )
        self.pushBatchSize = Self.pushBatchSize(&reader, context: context)
    }

    /// Gerrit: the remote's value, else `gerrit.pushBatchSize`; 0 when `distributionInterval` > 0.
    private static func pushBatchSize(_ reader: inout SectionReader, context: RemoteParsingContext) -> Int {
        let size = reader.int("pushBatchSize", default: context.gerrit.pushBatchSize, minimum: 0)
        guard size > 0, context.replication.distributionInterval > 0 else { return size }
        let message = "ignored because replication.distributionInterval is set (as in Gerrit); pushes are not batched"
        reader.warning(.clampedValue, "pushBatchSize", reader.all("pushBatchSize").last, message)
        return 0
    }

    private mutating func readPushOptions(_ reader: inout SectionReader, context: RemoteParsingContext) {
        self.timeout = .seconds(reader.int("timeout", default: 0, minimum: 0, unit: .seconds))
        self.isMirror = reader.bool("mirror", default: false)
        self.storeRefLog = reader.bool("storeRefLog", default: false)
        self.authGroups = reader.strings("authGroup").map(\.value)
        self.createMissingRepositories = reader.bool("createMissingRepositories", default: true)
        self.atomicChanges = reader.bool("atomicChanges", default: true)
        self.reconcileInterval = reader.duration(
            "reconcileInterval",
            default: Self.defaultReconcileInterval,
            defaultUnit: .seconds
        )
        self.replicatePermissions = reader.bool("replicatePermissions", default: true)
        self.replicateProjectDeletions = reader.bool("replicateProjectDeletions", default: false)
        self.replicateHiddenProjects = reader.bool("replicateHiddenProjects", default: false)
        self.replicateNoteDbMetaRefs = reader.bool("replicateNoteDbMetaRefs", default: true)
        self.remoteNameStyle = Self.remoteNameStyle(&reader)
        self.urlDistribution = Self.urlDistribution(&reader)
        self.gitPath = Self.gitPath(&reader)
        let gitDirectory = self.gitPath.map { PathText.directory(of: $0) + "/" } ?? ""
        self.receivePack = reader.string("receivepack") ?? gitDirectory + "git-receive-pack"
        self.uploadPack = reader.string("uploadpack") ?? gitDirectory + "git-upload-pack"
        self.username = reader.string("username")
        self.password = reader.string("password")
    }

    private static func remoteNameStyle(_ reader: inout SectionReader) -> RemoteNameStyle {
        guard let entry = reader.single("remoteNameStyle"), let value = entry.value else { return .slash }
        guard let style = RemoteNameStyle(configValue: value) else {
            let valid = RemoteNameStyle.allCases.map(\.rawValue).joined(separator: ", ")
            reader.error(.invalidValue, "remoteNameStyle", entry, "unknown style '\(value)' (valid: \(valid))")
            return .slash
        }
        return style
    }

    /// Gerrit takes an unknown value as `all`; so do we, and say so.
    private static func urlDistribution(_ reader: inout SectionReader) -> URLDistribution {
        guard let entry = reader.single("urlDistributionStrategy"), let value = entry.value else { return .all }
        guard let strategy = URLDistribution(configValue: value) else {
            let valid = URLDistribution.allCases.map(\.rawValue).joined(separator: ", ")
            reader.warning(
                .invalidValue,
                "urlDistributionStrategy",
                entry,
                "unknown strategy '\(value)' (valid: \(valid)); pushing to every URL, as Gerrit does"
            )
            return .all
        }
        return strategy
    }

    /// git's `push.pushOption` rules: repeatable, an empty value clears the list so far; a line break
    /// cannot travel in a pkt-line option (git refuses it too).
    private static func pushOptions(_ reader: inout SectionReader) -> [String] {
        var options: [String] = []
        for entry in reader.all("pushOption") {
            let value = entry.value ?? ""
            if value.isEmpty {
                options.removeAll()
            } else if value.contains(where: { $0 == "\n" || $0 == "\r" || $0 == "\0" }) {
                reader.error(.invalidValue, "pushOption", entry, "a push option cannot contain a line break or NUL")
            } else {
                options.append(value)
            }
        }
        return options
    }

    /// A size as git reads one (`20m`, `2g`); 0 (the default) sets no cap.
    private static func maxPushSize(_ reader: inout SectionReader) -> Int {
        guard let entry = reader.single("maxPushSize"), let value = entry.value else { return 0 }
        guard let size = ConfigValue.size(value) else {
            reader.error(.invalidValue, "maxPushSize", entry, "expected a size such as 20m or 2g, got '\(value)'")
            return 0
        }
        if size > 0, size < Self.smallestPushSize {
            let message = "\(size) bytes leaves no room for a pack; using \(Self.smallestPushSize) (64k)"
            reader.warning(.clampedValue, "maxPushSize", entry, message)
            return Self.smallestPushSize
        }
        return size
    }

    /// The smallest cap `maxPushSize` takes: a pack's header and one small commit fit in it.
    package static let smallestPushSize = 64 << 10

    private static func gitPath(_ reader: inout SectionReader) -> String? {
        guard let entry = reader.single("gitPath"), let value = entry.value, !value.isEmpty else { return nil }
        guard PathText.isAbsolute(value) else {
            reader.error(.invalidValue, "gitPath", entry, "must be an absolute path, got '\(value)'")
            return nil
        }
        return value
    }

    private mutating func readExtensions(_ reader: inout SectionReader, context: RemoteParsingContext) {
        self.replicateDeletions = reader.bool("replicateDeletions", default: false)
        self.maxDeletions = reader.int("maxDeletions", default: Self.defaultMaxDeletions)
        if self.maxDeletions < 0 {
            let entry = reader.all("maxDeletions").last
            reader.error(.invalidValue, "maxDeletions", entry, "must be 0 (no limit) or more, got \(self.maxDeletions)")
            self.maxDeletions = Self.defaultMaxDeletions
        }
        self.maxDeletionsWindow = reader.duration(
            "maxDeletionsWindow",
            default: Self.defaultMaxDeletionsWindow,
            defaultUnit: .seconds
        )
        self.pushOptions = Self.pushOptions(&reader)
        self.maxPushSize = Self.maxPushSize(&reader)
        self.identityFile = reader.string("identityFile").map { PathText.resolve($0, against: context.configDirectory) }
        self.sslCAInfo = reader.string("sslCAInfo").map { PathText.resolve($0, against: context.configDirectory) }
        self.knownHostsFile = reader.string("knownHostsFile").map {
            PathText.resolve($0, against: context.configDirectory)
        }
    }
}
