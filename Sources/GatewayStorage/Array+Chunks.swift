/// Ids asked in one `IN (…)` list at most: SQLite bounds the number of parameters of a statement, and a bulk replay
/// names thousands.
package let idsPerQuery = 500

extension Array {
    /// The elements in consecutive pieces of at most `size`, in order.
    package func chunks(of size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
