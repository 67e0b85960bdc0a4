import Contracts
import Foundation
import GRDB

// How contract values sit in a service's store, so that records and queries use the types themselves, never
// their text: a row that does not read as its type is an error the caller sees, not a crash.

/// Canonical text, as in messages.
extension StoredCanonicalString {
    /// The canonical form, as TEXT.
    public var databaseValue: DatabaseValue { canonicalString.databaseValue }

    /// The value of canonical text; nil (a decoding error for the record) for anything else.
    public static func fromDatabaseValue(_ dbValue: DatabaseValue) -> Self? {
        String.fromDatabaseValue(dbValue).flatMap { try? Self(canonicalString: $0) }
    }
}

/// A contract value a service stores as its canonical text.
public protocol StoredCanonicalString: CanonicalStringCodable, DatabaseValueConvertible {}

extension URC: DatabaseValueConvertible, StoredCanonicalString {}
extension PartyID: DatabaseValueConvertible, StoredCanonicalString {}
extension CalendarDate: DatabaseValueConvertible, StoredCanonicalString {}

/// An instant, stored as milliseconds since 1970 (INTEGER), so that SQLite compares and orders them as numbers.
extension Timestamp: DatabaseValueConvertible {
    /// Milliseconds since 1970, as INTEGER.
    public var databaseValue: DatabaseValue { millisecondsSince1970.databaseValue }

    /// The instant of an INTEGER column.
    public static func fromDatabaseValue(_ dbValue: DatabaseValue) -> Timestamp? {
        Int64.fromDatabaseValue(dbValue).map(Timestamp.init(millisecondsSince1970:))
    }
}

extension Referral.SubjectRole: DatabaseValueConvertible {}
extension ActionStatus: DatabaseValueConvertible {}
extension MessageType: DatabaseValueConvertible {}
extension SafetyAlert.Kind: DatabaseValueConvertible {}
extension SafetyAlert.Severity: DatabaseValueConvertible {}
extension ReasonCode: DatabaseValueConvertible {}

/// The columns of a record, named as the tables have them (snake case).
public protocol StoreRecord: Codable, FetchableRecord, PersistableRecord {}

extension StoreRecord {
    /// `referral_id` reads as `referralId`.
    public static var databaseColumnDecodingStrategy: DatabaseColumnDecodingStrategy { .convertFromSnakeCase }
    /// `referralId` writes as `referral_id`.
    public static var databaseColumnEncodingStrategy: DatabaseColumnEncodingStrategy { .convertToSnakeCase }
}
