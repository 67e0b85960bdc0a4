import Foundation

/// The name a gateway, dead-letter keeper or tool gives itself in its log lines and in every audit entry it writes,
/// so that in a region of several an operator can tell which one decided or failed.
public struct InstanceName: Sendable, Equatable, CustomStringConvertible {
    /// The name itself.
    public let description: String

    /// A name an operator chose (`gateway-1`, `keeper-leicester`): 1 to 64 letters, digits and `-_.@/:`.
    public init(_ name: String) throws {
        let allowed = name.unicodeScalars.allSatisfy {
            $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "-_.@/:".unicodeScalars.contains($0))
        }
        guard (1...64).contains(name.count), allowed else {
            throw InstanceNameError(
                "instance name '\(name.prefix(80))' is not usable: give 1 to 64 letters, digits or '-_.@/:', such as gateway-1")
        }
        description = name
    }

    /// The name a process takes when given none: its role, host and process id (`gateway@host/1234`), unique on a
    /// machine at any one time though not across restarts: a region names its instances.
    public static func unnamed(_ role: String) -> InstanceName {
        let host = ProcessInfo.processInfo.hostName.prefix { $0 != "." }
        let name = "\(role)@\(host)/\(ProcessInfo.processInfo.processIdentifier)"
        return (try? InstanceName(String(name.prefix(64)))) ?? InstanceName(checked: role)
    }

    private init(checked: String) { description = checked }
}

/// An instance name that cannot be used, with what to give instead.
public struct InstanceNameError: Error, CustomStringConvertible {
    /// What is wrong and what to do.
    public let description: String
    init(_ d: String) { description = d }
}
