import Foundation
import PostgresNIO

/// Rows a transaction has written and not yet sent, one table at a time, sent as one multi-row INSERT per table
/// when a read needs them or before COMMIT. A statement on PostgreSQL costs a round trip and a parse on both sides
/// whatever it carries; a decision writes nine rows across six tables, so a batch of decisions sent row by row
/// spent most of its time in round trips (docs/performance.md has the figures).
struct PendingInsert {
    /// One value of a row.
    enum Cell {
        case text(String?)
        case number(Int64?)
        case flag(Bool)
        case bytes(Data)
    }

    /// `table (column, ...)`.
    let into: String
    let columns: Int
    /// What follows the VALUES list: an ON CONFLICT clause, or nothing.
    let then: String
    private(set) var rows: [[Cell]] = []

    init(into: String, columns: Int, then: String = "") {
        self.into = into
        self.columns = columns
        self.then = then
    }

    var isEmpty: Bool { rows.isEmpty }

    mutating func add(_ row: [Cell]) {
        precondition(row.count == columns, "a row of \(row.count) values for \(into), which has \(columns) columns")
        rows.append(row)
    }

    mutating func removeAll() { rows.removeAll(keepingCapacity: true) }

    /// The INSERT statements that send every row: as few as PostgreSQL's limit of 65,535 parameters allows.
    func statements() throws -> [PostgresQuery] {
        let perStatement = max(1, 65_535 / columns)
        return try stride(from: 0, to: rows.count, by: perStatement).map { start in
            let chunk = rows[start..<min(start + perStatement, rows.count)]
            var sql = "INSERT INTO \(into) VALUES "
            var binds = PostgresBindings(capacity: chunk.count * columns)
            for (i, row) in chunk.enumerated() {
                sql += i == 0 ? "(" : ", ("
                for (j, cell) in row.enumerated() {
                    sql += (j == 0 ? "$" : ", $") + String(binds.count + 1)
                    switch cell {
                    case .text(let v): try binds.append(v)
                    case .number(let v): try binds.append(v)
                    case .flag(let v): try binds.append(v)
                    case .bytes(let v): try binds.append(v)
                    }
                }
                sql += ")"
            }
            if !then.isEmpty { sql += " " + then }
            return PostgresQuery(unsafeSQL: sql, binds: binds)
        }
    }
}
