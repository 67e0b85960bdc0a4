import Contracts
import Foundation
import LotKit
import Testing

/// `config/lots.yaml` is read strictly: a limit out of its range stops the worker with the field named.
@Suite("Service settings")
struct LotSettingsTests {
    @Test(
        "a limit out of range is refused, naming the field",
        arguments: [
            ("consentDays: 365", "consentDays: 0", "consentDays must be between 1 and 3650 days"),
            ("riskRegisterFrom: 10", "riskRegisterFrom: 15", "victim.riskRegisterFrom must be between 1 and maracThreshold"),
            ("firstContactHours: 48", "firstContactHours: -1", "sanctuary.firstContactHours must be between 1 and 720 hours"),
            ("madeToMeasureWithinWorkingDays: 20", "madeToMeasureWithinWorkingDays: 0", "sanctuary.madeToMeasureWithinWorkingDays"),
            ("installers: [Sam Okafor, Priya Nair, Tom Walsh]", "installers: [Sam Okafor, Sam Okafor]", "a list without repeats"),
        ])
    func outOfRange(_ line: String, _ changed: String, _ expected: String) throws {
        let text = try String(contentsOf: Repo.root.appendingPathComponent("config/lots.yaml"), encoding: .utf8)
        #expect(text.contains(line), "config/lots.yaml no longer has `\(line)`")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("settings-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("lots.yaml")
        try text.replacingOccurrences(of: line, with: changed).write(to: file, atomically: true, encoding: .utf8)
        #expect { try LotSettings(contentsOf: file) } throws: { "\($0)".contains(expected) && !"\($0)".contains("\n") }
    }
}
