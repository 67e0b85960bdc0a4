import Contracts
import Foundation
import GatewayDecision
import GatewayRuntime
import TestSupport

@testable import GatewayStorage

enum Repo {
    static let root = RepositoryRoot.url
    static let schemas = try! ContractSchemas(directory: root.appendingPathComponent("contracts/schemas"))
    static let policy = try! SharingPolicy(contentsOf: root.appendingPathComponent("config/sharing-policy.yaml"))
    /// The policy accepting a day's clock skew, for tests that sign a backlog of thousands before submitting it: how
    /// long the gateway takes to reach the last of them depends on the machine (the clock check has its own tests).
    static let backlogPolicy: SharingPolicy = {
        var p = policy
        p.acceptedClockSkew = 86_400
        return p
    }()
    static let parties = try! PartyDirectory(contentsOf: root.appendingPathComponent("config/parties.json"))
}

/// Every leaf path of a JSON value, arrays transparent (`household.children.urc`).
func leafPaths(_ v: JSONValue, prefix: String = "") -> [String] {
    switch v {
    case .object(let members):
        return members.flatMap { leafPaths($0.value, prefix: prefix.isEmpty ? $0.key : "\(prefix).\($0.key)") }
    case .array(let items):
        return items.flatMap { leafPaths($0, prefix: prefix) }
    default:
        return [prefix]
    }
}

/// Lower case without spaces or punctuation, to find a planted detail however it was reformatted.
func squashed(_ s: String) -> String { String(s.lowercased().filter { $0.isLetter || $0.isNumber || $0 == "@" }) }
