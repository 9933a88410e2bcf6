import ReplicationCore
import Testing

struct ConfigValueTests {
    @Test(
        arguments: [
            (nil, true), ("true", true), ("YES", true), ("on", true), ("1", true),
            ("false", false), ("No", false), ("off", false), ("0", false), ("", false),
        ] as [(String?, Bool)]
    )
    func readsBooleans(raw: String?, expected: Bool) {
        #expect(ConfigValue.boolean(raw) == expected)
    }

    @Test(arguments: ["2", "truee", "enabled", "-1"])
    func rejectsInvalidBooleans(raw: String) {
        #expect(ConfigValue.boolean(raw) == nil)
    }

    @Test(arguments: [
        ("15", 15, false), (" -3 ", -3, false), ("+7", 7, false), ("1k", 1_024, true),
        ("1m", 1_048_576, true), ("1 M", 1_048_576, true), ("1g", 1_073_741_824, true), ("0", 0, false),
    ])
    func readsIntegersWithMultipliers(raw: String, value: Int, multiplied: Bool) {
        #expect(ConfigValue.integer(raw) == ConfigValue.Integer(value: value, hasMultiplier: multiplied))
    }

    @Test(arguments: ["", "abc", "1.5", "2g", "3000000000", "1x", "k"])
    func rejectsInvalidIntegers(raw: String) {
        #expect(ConfigValue.integer(raw) == nil)
    }

    /// Sizes take git's units in 64 bits: `2g` and more, unlike `getInt`'s 32.
    @Test(arguments: [
        ("0", 0), ("512", 512), ("64k", 65_536), ("20m", 20_971_520), ("20 M", 20_971_520),
        ("2g", 2_147_483_648), ("8G", 8_589_934_592),
    ])
    func readsSizes(raw: String, value: Int) {
        #expect(ConfigValue.size(raw) == value)
    }

    @Test(arguments: ["", "-1", "+5", "1.5m", "20mb", "m", "99999999999999999999", "9000000000000g"])
    func rejectsInvalidSizes(raw: String) {
        #expect(ConfigValue.size(raw) == nil)
    }

    @Test(arguments: [
        ("0", ConfigValue.TimeUnit.seconds, Duration.zero),
        ("30", .seconds, .seconds(30)),
        ("30", .milliseconds, .milliseconds(30)),
        ("30 s", .milliseconds, .seconds(30)),
        ("2min", .seconds, .seconds(120)),
        ("2 m", .seconds, .seconds(120)),
        ("1h", .seconds, .seconds(3_600)),
        ("1 day", .seconds, .seconds(86_400)),
        ("2w", .seconds, .seconds(1_209_600)),
        ("1mon", .seconds, .seconds(2_592_000)),
        ("1y", .seconds, .seconds(31_536_000)),
        ("250ms", .seconds, .milliseconds(250)),
        ("5 Seconds", .seconds, .seconds(5)),
    ])
    func readsGerritTimeValues(raw: String, unit: ConfigValue.TimeUnit, expected: Duration) {
        #expect(ConfigValue.duration(raw, defaultUnit: unit) == expected)
    }

    @Test(arguments: ["-1", "x", "1 fortnight", "01", "", "1.5s"])
    func rejectsInvalidTimeValues(raw: String) {
        #expect(ConfigValue.duration(raw, defaultUnit: .seconds) == nil)
    }
}
