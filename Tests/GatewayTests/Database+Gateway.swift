import GRDB

@testable import GatewayStorage

extension Database {
    /// The gateway's view of this SQLite transaction: white-box tests read rows and call the domain in one block.
    var tx: any GatewayTransaction { SQLiteGatewayTransaction(self) }
}
