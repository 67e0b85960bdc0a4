/// Allocates URCs for one service without asking anyone: the service's issuer code keeps its URCs apart from
/// every other service's, and within the service a random part is drawn again if the service already uses it.
public struct URCAllocator: Sendable {
    private let issuer: [UInt8]

    /// `issuer` is the service's two-symbol code from `config/parties.json`.
    public init(issuer: String) throws(URCError) {
        var values: [UInt8] = []
        for ch in issuer {
            guard let v = URC.value(of: ch) else { throw .invalidSymbol(ch) }
            values.append(v)
        }
        guard values.count == 2 else { throw .wrongLength(values.count) }
        self.issuer = values
    }

    /// A new URC; 45 random bits make a repeat within one service negligible, but use `allocate(isTaken:)`
    /// with the service's records to rule it out.
    public func allocate() -> URC {
        allocate(isTaken: { _ in false })
    }

    /// A new URC that `isTaken` (the service's own records) does not already hold.
    public func allocate(isTaken: (URC) throws -> Bool) rethrows -> URC {
        var rng = SystemRandomNumberGenerator()
        while true {
            let random = (0..<9).map { _ in UInt8.random(in: 0..<32, using: &rng) }
            let urc = URC(issuer: issuer, random: random)
            if try !isTaken(urc) { return urc }
        }
    }
}
