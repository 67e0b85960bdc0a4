import Contracts
import Foundation
import GRDB
import TestSupport
import Testing

/// Staff commands as people type them: a mistake gets one clear line and changes nothing.
@Suite("Worker commands refuse bad input")
struct CommandLineTests {
    struct Run {
        var status: Int32
        var output: String
    }

    /// Runs a worker executable against a fresh home folder.
    func run(_ executable: String, _ arguments: [String], home: URL) async throws -> Run {
        let bin = try SystemHarness.binFolder()
        let r = try await Subprocess.output(
            of: ["\(bin)/\(executable)"] + arguments + ["--home", home.path, "--config", Repo.root.appendingPathComponent("config").path])
        return Run(status: r.status, output: r.text)
    }

    func snapshot(_ home: URL, _ party: String) throws -> [String] {
        let path = home.appendingPathComponent("\(party)/\(party).sqlite").path
        let tables = ["person", "referral", "outbox", "consent", "rule_log", "dash", "incident", "marac_case", "marac_action", "self_referral"]
        // A store that does not exist yet holds nothing; opening one to find a referral is not a change.
        guard FileManager.default.fileExists(atPath: path) else { return tables.map { "\($0):0" } }
        let db = try DatabaseQueue(path: path)
        return try db.read { db in
            try tables.map { table in
                "\(table):\(try db.tableExists(table) ? (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table)") ?? 0) : 0)"
            }
        }
    }

    func home() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cli-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// The scenario intake with one change, written to a file.
    func intakeFile(in dir: URL, _ edit: (inout [String: Any]) -> Void) throws -> String {
        var json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Repo.scenarioIntake))) as! [String: Any]
        edit(&json)
        let file = dir.appendingPathComponent("intake-\(UUID().uuidString.prefix(4)).json")
        try JSONSerialization.data(withJSONObject: json).write(to: file)
        return file.path
    }

    @Test(
        "bad input at every entry point",
        arguments: [
            ("a malformed intake file", "victim-worker", "malformed", "intake file"),
            ("an intake without the victim's name", "victim-worker", "no-name", "field `victim.name` is missing"),
            ("a DASH with 23 answers", "victim-worker", "dash-23", "a DASH has 24 answers, one per question; this one has 23"),
            ("a URC with a wrong check symbol", "victim-worker", "bad-urc", "check symbol does not match"),
            ("a referral to an unknown service", "victim-worker", "unknown-service", "'police' is not a service on the gateway"),
            ("a referral for a URC the service does not hold", "victim-worker", "unknown-urc", "holds nobody with URC"),
            ("a consent to an unknown service", "victim-worker", "consent-unknown", "'housing-office' is not a service"),
            ("an intake at a service that takes none", "sanctuary-worker", "no-intake", "takes no intake"),
            ("an outcome for a referral never received", "family-worker", "unknown-referral", "has received no referral"),
            ("an action plan with a malformed action", "marac-coordinator", "bad-action", "an action is `owner|YYYY-MM-DD|description`"),
            ("an intake with a misspelt consent", "victim-worker", "misspelt", "there is no field `consnet` in this form"),
            ("an intake with a misspelt nested field", "victim-worker", "misspelt-nested", "there is no field `victim.dateOfBrith`"),
            ("an intake with a key twice", "victim-worker", "duplicate", "duplicate key"),
            ("an intake whose consent lasts no days", "victim-worker", "zero-days", "a consent lasts at least one day"),
            ("a consent for minus one day", "victim-worker", "negative-days", "a consent lasts at least one day"),
            ("a referral form with a misspelt section", "victim-worker", "misspelt-form", "there is no field `housng`"),
            ("a command on a home without a store", "family-worker", "no-store", "create it with `family-worker init`"),
            (
                "a self-referral saying where his partner lives", "perpetrator-worker", "self-referral-address",
                "there is no field `partners[0].address`"
            ),
            ("a justification without a lawful basis", "victim-worker", "justification-alone", "--justification goes with --lawful-basis"),
            ("a decline reason on an acceptance", "family-worker", "decline-reason-accepted", "--decline-reason goes with --status declined only"),
            ("a timer interval that would spin", "victim-worker", "usage-interval", "--timer-interval is between 0.1 and 3600 seconds"),
            (
                "a command without a required option", "victim-worker", "usage-missing",
                "Missing expected argument '--to <to>' (`victim-worker refer --help`"
            ),
            ("an option no command has", "victim-worker", "usage-unknown", "Unknown option '--colour' (`victim-worker case --help`"),
            ("a command the worker does not have", "sanctuary-worker", "usage-command", "(`sanctuary-worker --help` lists the commands)"),
        ])
    func badInput(_ name: String, _ executable: String, _ kind: String, _ expected: String) async throws {
        let dir = try home()
        let party = executable == "marac-coordinator" ? "marac" : String(executable.dropLast("-worker".count))
        // A store with one intake in it, so "changes nothing" is about a store with content.
        for worker in ["victim-worker", "family-worker", "sanctuary-worker", "marac-coordinator", "perpetrator-worker"]
        where kind != "no-store" || worker != executable {
            let created = try await run(worker, ["init"], home: dir)
            #expect(created.status == 0 && created.output.contains("created the"), "\(created.output)")
        }
        let good = try await run("victim-worker", ["intake", Repo.scenarioIntake], home: dir)
        #expect(good.status == 0, "\(good.output)")
        let held =
            good.output.split(separator: "\n").first { $0.hasPrefix("intake recorded: ") }.map { String($0.dropFirst("intake recorded: ".count)) }
            ?? ""
        let before = try snapshot(dir, party)
        var wrongCheck = Array(held)
        wrongCheck[wrongCheck.count - 1] = wrongCheck.last == "0" ? "1" : "0"
        let args: [String]
        switch kind {
        case "malformed":
            let f = dir.appendingPathComponent("bad.json")
            try Data("{\"caseworker\": ".utf8).write(to: f)
            args = ["intake", f.path]
        case "no-name":
            args = [
                "intake",
                try intakeFile(in: dir) { v in
                    var victim = v["victim"] as! [String: Any]
                    victim["name"] = nil
                    v["victim"] = victim
                },
            ]
        case "dash-23": args = ["intake", try intakeFile(in: dir) { $0["dash"] = ["answers": dashAnswers(yes: 16, of: 23)] }]
        case "bad-urc": args = ["case", String(wrongCheck)]
        case "unknown-service": args = ["refer", held, "--to", "police", "--reason", "x", "--by", "A", "--role", "IDVA"]
        case "unknown-urc":
            args = ["refer", URCAllocator(issuerUnchecked: "10").allocate().canonical, "--to", "family", "--reason", "x", "--by", "A"]
        case "consent-unknown": args = ["consent", held, "--to", "housing-office", "--by", "A"]
        case "no-intake": args = ["intake", Repo.scenarioIntake]
        case "unknown-referral": args = ["outcome", "00000000-0000-0000-0000-000000000000", "--status", "accepted"]
        case "bad-action": args = ["plan", "MC-00000000", "--meeting", "2026-12-01", "--action", "police tomorrow"]
        case "misspelt":
            args = [
                "intake",
                try intakeFile(in: dir) { v in
                    v["consnet"] = v["consent"]
                    v["consent"] = nil
                },
            ]
        case "misspelt-nested":
            args = [
                "intake",
                try intakeFile(in: dir) { v in
                    var victim = v["victim"] as! [String: Any]
                    victim["dateOfBrith"] = "1990-01-01"
                    v["victim"] = victim
                },
            ]
        case "duplicate":
            let text = try String(contentsOfFile: Repo.scenarioIntake, encoding: .utf8)
            let f = dir.appendingPathComponent("twice.json")
            try text.replacingOccurrences(of: "{", with: #"{"notes": "a", "notes": "b", "#, options: [], range: text.range(of: "{")).write(
                to: f, atomically: true, encoding: .utf8)
            args = ["intake", f.path]
        case "zero-days":
            args = [
                "intake",
                try intakeFile(in: dir) { v in
                    var c = v["consent"] as! [String: Any]
                    c["days"] = 0
                    v["consent"] = c
                },
            ]
        case "negative-days": args = ["consent", held, "--to", "family", "--by", "A", "--days=-1"]
        case "misspelt-form":
            let f = dir.appendingPathComponent("form.json")
            try Data(#"{"housng": {}}"#.utf8).write(to: f)
            args = ["refer", held, "--to", "safehome", "--reason", "x", "--by", "A", "--form", f.path]
        case "no-store": args = ["case", held]
        case "self-referral-address":
            var json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Repo.selfReferral))) as! [String: Any]
            var partners = json["partners"] as! [[String: Any]]
            partners[0]["address"] = ["lines": ["12 Acacia Avenue"], "postcode": "M1 1AA"]
            json["partners"] = partners
            let f = dir.appendingPathComponent("self-referral.json")
            try JSONSerialization.data(withJSONObject: json).write(to: f)
            args = ["intake", f.path]
        case "justification-alone": args = ["refer", held, "--to", "family", "--reason", "x", "--by", "A", "--justification", "because"]
        case "decline-reason-accepted":
            args = ["outcome", "00000000-0000-0000-0000-000000000000", "--status", "accepted", "--decline-reason", "no-capacity"]
        case "usage-interval": args = ["run", "--timer-interval", "0"]
        case "usage-missing": args = ["refer", held, "--reason", "x", "--by", "A"]
        case "usage-unknown": args = ["case", held, "--colour", "red"]
        case "usage-command": args = ["dash", held, "dash.json"]
        default: fatalError(kind)
        }
        let r = try await run(executable, args, home: dir)
        // A mistake on the command line is a usage error (EX_USAGE, as the argument parser has it); the rest fail.
        #expect(r.status == (kind.hasPrefix("usage-") ? 64 : 1), "\(name): exit status \(r.status)")
        #expect(r.output.contains(expected), "\(name): \(r.output)")
        #expect(r.output.split(separator: "\n").count == 1, "\(name): one line, got: \(r.output)")
        #expect(!r.output.contains("Fatal error") && !r.output.contains("Stack"))
        #expect(try snapshot(dir, party) == before, "\(name) changed the store")
    }
}
