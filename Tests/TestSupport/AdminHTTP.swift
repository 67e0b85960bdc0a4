import Foundation

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Reading a process's admin listener in tests: a GET, and a metric's value from the Prometheus text.
public enum AdminHTTP {
    /// Status and text of a GET.
    public static func get(_ url: URL) async throws -> (Int, String) {
        let (data, response) = try await URLSession.shared.data(from: url)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }

    /// The sum of a metric's samples whose labels include every one of `labels`.
    public static func sample(_ text: String, _ name: String, _ labels: [String: String] = [:]) -> Double {
        var total = 0.0
        for line in text.split(separator: "\n") where line.hasPrefix(name + "{") || line.hasPrefix(name + " ") {
            let matches = labels.allSatisfy { line.contains("\($0.key)=\"\($0.value)\"") }
            if matches, let value = line.split(separator: " ").last.flatMap({ Double($0) }) { total += value }
        }
        return total
    }
}
