import Balancing
import Testing

/// The config file as an operator writes it, and the mistakes it reports with FILE:LINE.
@Suite struct ConfigFileTests {
    @Test func readsKeysQuotesAndComments() throws {
        let options = try ConfigFile.parse("""
            # /etc/rsspp/eth0.conf
            INTERVAL=0.5
              PLAN_OPTIONS="--threshold 0.1 --max-moves 32"   # a comment after a value
            COUNT_OPTIONS='--cpus 0-3'
            MIGRATE="/run/app/a.sock\\ b /run/app/c.sock"

            STATE=/var/lib/rsspp/eth0.state
            """, file: "eth0.conf")
        var expected = BalanceOptions()
        expected.interval = 0.5
        expected.planOptions = ["--threshold", "0.1", "--max-moves", "32"]
        expected.countOptions = ["--cpus", "0-3"]
        expected.migrate = ["/run/app/a.sock b", "/run/app/c.sock"]
        expected.state = "/var/lib/rsspp/eth0.state"
        #expect(options == expected)
    }

    @Test(arguments: [
        ("INTERVAL=1\nNOPE=2\n", "f.conf:2: unknown key \"NOPE\""),
        ("# c\n\nINTERVAL\n", "f.conf:3: expected KEY=VALUE, found \"INTERVAL\""),
        ("INTERVAL=fast\n", "f.conf:1: INTERVAL is \"fast\": expected a number of seconds"),
        ("INTERVAL=-1\n", "f.conf:1: INTERVAL is -1.0: it must be a positive number of seconds"),
        ("STATE=/a\nSTATE=/b\n", "f.conf:2: STATE was already set on line 1"),
        ("PLAN_OPTIONS=\"--threshold 0.1\n", "f.conf:1: unterminated \" quote"),
        ("STATE=/var/lib/rsspp/$IFACE\n", "f.conf:1: \"$\" would be expanded by a shell"),
        ("x=1\nPLAN_OPTIONS=--threshold 0.1\n", "f.conf:1: unknown key \"x\""),
        ("PLAN_OPTIONS=--threshold 0.1\n", "f.conf:1: PLAN_OPTIONS: the value has unquoted blanks"),
        ("SOURCE=\"\"\n", "f.conf:1: SOURCE is empty"),
        ("INTERVAL=1\nSTATE=\n", "f.conf:2: STATE is empty"),
        ("PLAN_OPTIONS=''\n", "f.conf:1: PLAN_OPTIONS is empty"),
        ("INTERVAL=\n", "f.conf:1: INTERVAL is empty"),
        ("CONTEXT=one\n", "f.conf:1: CONTEXT is \"one\": expected an RSS context number"),
    ])
    func namesTheFileAndLineOfAMistake(text: String, message: String) {
        #expect {
            _ = try ConfigFile.parse(text, file: "f.conf")
        } throws: { error in
            "\(error)".hasPrefix(message)
        }
    }

    @Test func splitsOptionsAsAShellWould() throws {
        #expect(try ShellWords.split(#"--a 'b c' "d \"e\"" f\ g \h"#) == ["--a", "b c", "d \"e\"", "f g", "h"])
        #expect(try ShellWords.split("  ") == [])
        #expect(try ShellWords.split("''") == [""])
        #expect(throws: ShellWords.Problem.self) { try ShellWords.split("`date`") }
    }

    @Test func theCommandLineWinsOverTheFile() throws {
        var file = BalanceOptions()
        file.interval = 2
        file.state = "/s"
        file.migrate = ["/a.sock"]
        var commandLine = BalanceOptions()
        commandLine.interval = 0.5
        let merged = file.overridden(by: commandLine)
        #expect(merged.interval == 0.5)
        #expect(merged.state == "/s")
        #expect(merged.migrate == ["/a.sock"])
    }

    @Test func thePipelineFollowsTheSettings() throws {
        var options = BalanceOptions()
        options.scenario = "overload"
        options.state = "/s"
        options.migrate = ["/a.sock"]
        options.prometheus = "/p.prom"
        options.applyOptions = ["--dry-run"]
        options.context = 2
        let settings = try BalanceSettings(device: "file:/n.json", options: options, ownDirectory: "/bin")
        #expect(settings.stages.map(\.tool) == ["rss-count", "rss-plan", "rss-apply", "rss-migrate", "rss-report"])
        #expect(settings.stages[0].arguments == ["sim:overload", "--nic", "/n.json", "--interval", "0.1"])
        #expect(settings.stages[1].arguments == ["--state", "/s"])
        #expect(settings.stages[2].arguments == ["file:/n.json", "--context", "2", "--dry-run"])
        #expect(settings.context == 2)
        #expect(settings.stages[4].arguments == ["--follow", "--prometheus", "/p.prom"])
        #expect(settings.stallTimeout == 5, "at least 5 s, more than 20 intervals of 0.1 s")
        var slow = options
        slow.interval = 1.5
        #expect(try BalanceSettings(device: "file:/n.json", options: slow, ownDirectory: "/bin").stallTimeout == 30)
        let ethtool = try BalanceSettings(device: "ethtool:eth0", options: BalanceOptions(), ownDirectory: "/bin")
        #expect(ethtool.stages[0].arguments == ["xdp:eth0", "--interval", "0.1"])
        #expect(throws: ConfigError.self) { try BalanceSettings(device: "ethtool:eth0", options: options, ownDirectory: "/") }
        options.applyOptions = ["--dry-run", "--context=3"]
        #expect(throws: ConfigError("APPLY_OPTIONS (--apply-options): give the RSS context as CONTEXT (--context), "
            + "so that rss-balance locks and restores the table rss-apply writes")) {
            try BalanceSettings(device: "file:/n.json", options: options, ownDirectory: "/")
        }
        #expect(throws: ConfigError.self) { try BalanceSettings(device: "eth0", options: BalanceOptions(), ownDirectory: "/") }
    }
}
