import Contracts
import Foundation
import GRDB
import LotKit

/// A man's (or woman's) own request for help to change their behaviour (seed 002, Lot 4: "self or agency referral"),
/// as the programme's intake worker records it. It holds nothing about where anyone lives or how to reach them:
/// the form has no such field, so one written in is refused by name rather than stored.
public struct SelfReferral: Codable, Sendable {
    /// The person referring themselves: who they are, never where.
    public struct Referrer: Codable, Sendable {
        /// Given when another service already allocated one; otherwise the programme allocates it.
        public var urc: URC?
        /// His name, in parts that cannot carry a phone number or an address.
        public var name: PersonName
        /// Date of birth, when he gives it.
        public var dateOfBirth: CalendarDate?
        /// Gender as he describes it, when recorded (counted in the quarterly Equality report).
        public var gender: Gender?
        /// Preferred language, when recorded.
        public var language: LanguageTag?
        /// Whether an interpreter is needed to work with him.
        public var interpreterNeeded: Bool?
        /// Disabilities or long-term conditions, when recorded.
        public var disabilities: [Disability]?
    }

    /// A current or former partner he names, so that the victim service (never this one) can offer her support.
    public struct Partner: Codable, Sendable {
        /// Her name: with her URC, all this service keeps of her.
        public var name: PersonName
        /// Her URC, if another service gave one.
        public var urc: URC?
        /// How she is related to him (partner, ex-partner, spouse, ...).
        public var relationship: Relationship?
        /// Why she should be contacted: with it, a partner-support referral goes to the victim service.
        public var supportJustification: String?
    }

    /// What moves him to ask for help (counted for the seed's "motivated to change" outcome).
    public enum Motivation: String, Codable, Sendable, CaseIterable {
        /// He wants to stop being abusive.
        case stopAbuse = "stop-abuse"
        /// For the sake of his children.
        case children
        /// He wants to keep his relationship.
        case keepRelationship = "keep-relationship"
        /// His partner asked him to get help.
        case partnerAsked = "partner-asked"
        /// Police, court or probation involvement moved him to ask.
        case criminalJustice = "criminal-justice"
        /// Anything else.
        case other
    }

    /// The intake worker recording it.
    public var caseworker: Staff
    /// The person referring themselves: who they are, never where.
    public var person: Referrer
    /// At least one: a self-referral is a request to change.
    public var motivation: [Motivation]
    /// True when a court ordered the work (the seed's self-referral route is for work no court mandated).
    public var courtMandated: Bool?
    /// How many children live with him or see him: counted, never named here.
    public var childrenInHousehold: Int?
    /// Partners he names; each with a `supportJustification` is referred to the victim service for support.
    public var partners: [Partner]?
}

extension PerpetratorLot: IntakeLot {
    /// The self-referral schema (v1 of this service's own tables).
    static let selfReferralMigration: (String, @Sendable (Database) throws -> Void) = (
        "v1-self-referral",
        { db in
            try db.execute(
                sql: """
                    -- Requests for help from the person themselves: no contact details, no partner's whereabouts.
                    CREATE TABLE self_referral (
                        urc TEXT NOT NULL REFERENCES person(urc),
                        referred_at INTEGER NOT NULL,
                        motivation TEXT NOT NULL,            -- space-separated SelfReferral.Motivation values
                        court_mandated INTEGER NOT NULL,
                        children_in_household INTEGER,
                        caseworker TEXT NOT NULL             -- JSON Staff
                    );
                    CREATE INDEX self_referral_urc ON self_referral(urc);
                    """)
        }
    )

    /// Records a self-referral: the person (allocating a URC when none is given), what moves them, and for each
    /// partner with a justification a partner-support referral to the victim service. Returns the person's URC.
    public func intake(_ form: SelfReferral, in ctx: LotContext) throws -> URC {
        // Check everything first: a bad form changes nothing.
        guard !form.motivation.isEmpty else {
            throw LotError.badInput(
                "a self-referral says what moves the person to change: `motivation` lists at least one of "
                    + SelfReferral.Motivation.allCases.map(\.rawValue).joined(separator: ", "))
        }
        if let n = form.childrenInHousehold, !(0...30).contains(n) {
            throw LotError.badInput("childrenInHousehold is a count from 0 to 30, not \(n)")
        }
        for p in form.partners ?? [] where p.supportJustification?.trimmingCharacters(in: .whitespaces).isEmpty == true {
            throw LotError.badInput("the support justification for \(p.name.given) is empty: write why she should be contacted, or leave it out")
        }
        ctx.cause = "self-referral"
        let given = form.person
        let person = Person(
            urc: try given.urc ?? ctx.allocateURC(), name: given.name, dateOfBirth: given.dateOfBirth, gender: given.gender,
            language: given.language, interpreterNeeded: given.interpreterNeeded, disabilities: given.disabilities)
        try ctx.hold(person, role: .perpetrator, allocatedHere: given.urc == nil)
        try SelfReferralRecord(
            urc: person.urc, referredAt: ctx.now, motivation: Set(form.motivation).map(\.rawValue).sorted().joined(separator: " "),
            courtMandated: form.courtMandated ?? false, childrenInHousehold: form.childrenInHousehold,
            caseworker: try json(form.caseworker)
        ).insert(ctx.db)
        try ctx.log(
            "self-referral", subject: person.urc,
            "self-referral: \(form.motivation.count) motivation(s), \(form.partners?.count ?? 0) partner(s) named")
        for partner in form.partners ?? [] {
            if let why = partner.supportJustification {
                try requestPartnerSupport(
                    for: person.urc, partnerName: partner.name, partnerURC: partner.urc, justification: why, staff: form.caseworker, in: ctx)
            } else {
                try ctx.hold(
                    Person(urc: try partner.urc ?? ctx.allocateURC(), name: partner.name), role: .victim, linkedTo: person.urc,
                    allocatedHere: partner.urc == nil)
            }
        }
        return person.urc
    }
}

/// A self-referral as stored (table `self_referral`): counted for the seed's self-referral target.
struct SelfReferralRecord: StoreRecord, Sendable {
    static let databaseTableName = "self_referral"
    var urc: URC
    var referredAt: Timestamp
    /// `SelfReferral.Motivation` values, space-separated.
    var motivation: String
    var courtMandated: Bool
    var childrenInHousehold: Int?
    /// JSON `Staff`.
    var caseworker: String
}
