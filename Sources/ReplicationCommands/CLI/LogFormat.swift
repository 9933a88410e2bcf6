import ArgumentParser
import Foundation
import Logging

/// `--log-format`: how each log line is written on standard error. `text` is swift-log's format
/// for people at a terminal; `logfmt` (`key=value`, quoted where needed) and `json` (one object per
/// line) are for collectors. Without the option: text on a terminal, logfmt elsewhere.
enum LogFormatOption: String, ExpressibleByArgument, CaseIterable {
    case text, logfmt, json

    static var automatic: LogFormatOption { isatty(STDERR_FILENO) == 1 ? .text : .logfmt }
}

/// Writes each event as one logfmt or JSON line on standard error, in a single `write`, so lines
/// from concurrent pushes never interleave. Keys: `time` (ISO 8601, UTC, milliseconds), `level`,
/// `msg`, `source` (the module), then the metadata, sorted.
struct LineLogHandler: LogHandler {
    let format: LogFormatOption
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.metadata[key] }
        set { self.metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = self.metadata.merging(event.metadata ?? [:]) { $1 }
        let fields = LogLine.Fields(
            time: Date(),
            level: event.level,
            message: event.message.description,
            source: event.source,
            metadata: merged.mapValues(\.description)
        )
        let line = self.format == .json ? LogLine.json(fields) : LogLine.logfmt(fields)
        var bytes = Array((line + "\n").utf8)
        bytes.withUnsafeMutableBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Foundation.write(STDERR_FILENO, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0, errno == EINTR { continue }
                guard written > 0 else { return }
                offset += written
            }
        }
    }
}

/// The two machine formats, as pure functions of one event.
enum LogLine {
    struct Fields {
        var time: Date
        var level: Logger.Level
        var message: String
        var source: String
        var metadata: [String: String]
    }

    static func logfmt(_ fields: Fields) -> String {
        let fixed = [
            ("time", Self.timestamp(fields.time)), ("level", fields.level.rawValue), ("msg", fields.message),
            ("source", fields.source),
        ]
        let rest = fields.metadata.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        return (fixed + rest).map { "\(Self.logfmtKey($0.0))=\(Self.logfmtValue($0.1))" }.joined(separator: " ")
    }

    static func json(_ fields: Fields) -> String {
        var object: [String: String] = fields.metadata
        object["time"] = Self.timestamp(fields.time)
        object["level"] = fields.level.rawValue
        object["msg"] = fields.message
        object["source"] = fields.source
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(object)) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// A value is bare when it is not empty and holds no space, `=`, quote, backslash or control
    /// character; otherwise it is quoted, with `"`, `\` and control characters escaped.
    static func logfmtValue(_ value: String) -> String {
        let needsQuotes =
            value.isEmpty
            || value.unicodeScalars.contains { $0 == " " || $0 == "=" || $0 == "\"" || $0 == "\\" || $0.value < 0x20 }
        guard needsQuotes else { return value }
        var quoted = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": quoted += "\\\""
            case "\\": quoted += "\\\\"
            case "\n": quoted += "\\n"
            case "\r": quoted += "\\r"
            case "\t": quoted += "\\t"
            case _ where scalar.value < 0x20: quoted += String(format: "\\u%04x", scalar.value)
            default: quoted.unicodeScalars.append(scalar)
            }
        }
        return quoted + "\""
    }

    /// Keys cannot be quoted in logfmt: anything but a visible character other than `=` and `"`
    /// becomes `_`.
    static func logfmtKey(_ key: String) -> String {
        let cleaned = String(
            String.UnicodeScalarView(
                key.unicodeScalars.map { $0.value <= 0x20 || $0 == "=" || $0 == "\"" || $0.value == 0x7F ? "_" : $0 }
            )
        )
        return cleaned.isEmpty ? "_" : cleaned
    }

    static func timestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}
