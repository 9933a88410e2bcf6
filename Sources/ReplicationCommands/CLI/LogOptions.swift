import ArgumentParser
import Logging

/// `--log-level` and `--log-format`, shared by the commands that write the replication log
/// (`serve`, `start`).
struct LogOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Replication log level on standard error.", valueName: "level"))
    var logLevel: LogLevelOption = .info

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Log lines as text, logfmt or json (default: text on a terminal, logfmt otherwise).",
            valueName: "format"
        )
    )
    var logFormat: LogFormatOption?

    /// The replication log, on standard error so that standard output stays the command's report.
    func makeLogger() -> Logger {
        let format = self.logFormat ?? .automatic
        var logger = Logger(label: "replicator") { label in
            let lines: any LogHandler =
                format == .text ? StreamLogHandler.standardError(label: label) : LineLogHandler(format: format)
            return RedactingLogHandler(inner: lines)
        }
        logger.logLevel = self.logLevel.level
        return logger
    }
}

/// `--log-level`, without conforming swift-log's type to argument-parser's protocol.
enum LogLevelOption: String, ExpressibleByArgument, CaseIterable {
    case trace, debug, info, notice, warning, error, critical

    var level: Logger.Level { Logger.Level(rawValue: self.rawValue) ?? .info }
}
