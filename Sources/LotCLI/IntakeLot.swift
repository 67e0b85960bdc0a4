import Contracts
import LotKit
import Lots

/// A service that people contact first, so it records intakes (victim and family services).
public protocol IntakeLot: Lot {
    func intake(_ form: IntakeForm, in ctx: LotContext) throws -> URC
}

extension VictimLot: IntakeLot {}
extension FamilyLot: IntakeLot {}
