import Foundation

/// Exponential backoff with jitter between reconnection attempts, so many clients do not hammer a broker that
/// has just come back.
public struct AMQPReconnectPolicy: Sendable, Equatable {
    /// Seconds to wait before the first reconnection attempt.
    public var initialDelay: Double
    /// The longest wait between attempts, in seconds, however many have failed.
    public var maximumDelay: Double
    /// Factor by which the wait grows after each failed attempt.
    public var multiplier: Double

    /// Defaults: 0.1 s at first, doubling with each attempt, never more than 5 s.
    public init(initialDelay: Double = 0.1, maximumDelay: Double = 5, multiplier: Double = 2) {
        self.initialDelay = initialDelay
        self.maximumDelay = maximumDelay
        self.multiplier = multiplier
    }

    /// Seconds to wait before attempt `attempt` (0-based), with ±20% jitter.
    public func delay(beforeAttempt attempt: Int) -> Double {
        let base = min(maximumDelay, initialDelay * pow(multiplier, Double(min(attempt, 30))))
        return base * Double.random(in: 0.8...1.2)
    }
}
