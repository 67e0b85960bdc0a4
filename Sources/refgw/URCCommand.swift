import ArgumentParser
import Contracts
import Foundation

/// `refgw urc new|check`: allocate and check unique reference codes.
struct URCCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "urc", abstract: "Allocate or check unique reference codes.",
        subcommands: [New.self, Check.self])

    struct New: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Allocate new URCs with a party's issuer code.")
        @OptionGroup var config: ConfigOptions
        @Option(help: "The allocating party (victim, family, ...).") var party: String
        @Option(help: "How many.") var count = 1

        func run() throws {
            do {
                let directory = try PartyDirectory(contentsOf: URL(fileURLWithPath: config.directory).appendingPathComponent("parties.json"))
                guard let id = PartyID(rawValue: party) else { throw ValidationError("'\(party)' is not a party id") }
                let allocator = try directory.allocator(for: id)
                var issued = Set<URC>()
                for _ in 0..<max(0, count) {
                    let urc = allocator.allocate { issued.contains($0) }
                    issued.insert(urc)
                    print(urc.canonical)
                }
            } catch let e as PartyDirectoryError {
                throw fail(e)
            }
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check URCs as typed; print each in canonical form.")
        @Argument(help: "URCs to check.") var codes: [String]

        func run() throws {
            var bad = 0
            for code in codes {
                do {
                    print(try URC(parsing: code).canonical)
                } catch {
                    bad += 1
                    var stderr = StandardError()
                    print("refgw: '\(code)': \(error)", to: &stderr)
                }
            }
            if bad > 0 { throw ExitCode.failure }
        }
    }
}
