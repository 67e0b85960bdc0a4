import Contracts
import Foundation
import GRDB

/// A person as this service holds them (table `person`): the adult, each child linked to the adult, a
/// perpetrator or partner linked to the person they came with.
public struct HeldPerson: StoreRecord, Sendable, Equatable {
    /// The table of everyone this service holds, one row per URC.
    public static let databaseTableName = "person"

    /// The person's URC, allocated here or kept as another service gave it.
    public var urc: URC
    /// Victim, child, perpetrator or other adult, as first recorded (a later referral does not change it).
    public var role: Referral.SubjectRole
    /// The adult this person came with (children, partners).
    public var linkedTo: URC?
    /// Given and family name, as staff see it in `case`.
    public var displayName: String
    /// true: this service allocated the URC; false: it was kept as another service gave it.
    public var allocatedHere: Bool
    /// JSON of what this service may hold about the person (a contract `Person` or `Child`).
    public var details: String?
    /// When this service first recorded the person.
    public var createdAt: Timestamp

    /// The held details as a contract `Person` (adults), when they read as one.
    public var person: Person? { details.flatMap { try? ContractJSON.decoder.decode(Person.self, from: Data($0.utf8)) } }
    /// The held details as a contract `Child`.
    public var child: Child? {
        role != .child ? nil : details.flatMap { try? ContractJSON.decoder.decode(Child.self, from: Data($0.utf8)) }
    }
}

extension HeldPerson {
    /// The people linked to `urc`, in the order they were recorded.
    public static func linked(to urc: URC) -> QueryInterfaceRequest<HeldPerson> {
        filter(Column("linked_to") == urc).order(Column("created_at"), Column("urc"))
    }
}
