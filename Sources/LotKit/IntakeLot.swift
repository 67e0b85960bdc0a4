import Contracts

/// A service people may contact first, not only be referred to, so its staff record intakes from a form.
public protocol IntakeLot: Lot {
    /// What this service's intake file holds; read strictly, so a misspelt or unknown field is refused, never dropped.
    associatedtype Intake: Codable & Sendable
    /// Records a first contact (people, consent, every referral the rules call for); returns the person's URC.
    func intake(_ form: Intake, in ctx: LotContext) throws -> URC
}

extension IntakeLot {
    /// Reads the intake file at `path` and records it in one transaction: a bad file changes nothing.
    public func recordIntake(fromFile path: String, with engine: LotEngine) throws -> URC {
        let form = try StrictForm.load(Intake.self, path: path, describing: "intake file")
        return try engine.perform("intake") { ctx in try intake(form, in: ctx) }
    }
}
