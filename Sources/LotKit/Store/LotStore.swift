import Contracts
import DurableStore
import Foundation
import GRDB

/// One service's durable state in its own SQLite file: the people and cases it holds, referrals in and out,
/// the idempotent inbox, the transactional outbox, timers, alerts and the rule log. The worker and the staff
/// commands open the same file; SQLite's WAL lets them work side by side.
///
/// Every change a message or a command causes, and every message it causes, is written in one transaction.
public final class LotStore: Sendable {
    /// The SQLite file, opened in WAL mode so that the worker and staff commands can use it at once.
    public let database: DatabasePool
    /// The service whose store this is.
    public let party: PartyID

    /// Opens (creating and migrating) the store at `path`; `migrations` are the service's own tables.
    public init(path: String, party: PartyID, migrations: [(String, @Sendable (Database) throws -> Void)] = []) throws(LotError) {
        self.party = party
        var migrator = Self.coreMigrator
        for (name, body) in migrations { migrator.registerMigration("\(party.rawValue)-\(name)", migrate: body) }
        do {
            database = try DurableDatabase.open(path: path, migrator: migrator)
        } catch {
            throw .configuration("cannot open the \(party) store \(path): \(error)")
        }
    }

    static var coreMigrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("core-v1") { db in
            try db.execute(
                sql: """
                    -- Everyone this service holds, by URC; children and partners link to the adult they came with.
                    CREATE TABLE person (
                        urc TEXT PRIMARY KEY,
                        role TEXT NOT NULL,                 -- victim, child, perpetrator, other-adult
                        linked_to TEXT REFERENCES person(urc),
                        display_name TEXT NOT NULL,
                        allocated_here INTEGER NOT NULL,    -- 1: this service allocated the URC; 0: kept as given
                        details TEXT,                       -- JSON of what this service may hold about the person
                        created_at INTEGER NOT NULL
                    );
                    -- Each message id applied once, whatever the broker redelivers.
                    CREATE TABLE inbox (
                        message_id TEXT PRIMARY KEY,
                        type TEXT NOT NULL,
                        sender TEXT NOT NULL,
                        subject TEXT NOT NULL,
                        received_at INTEGER NOT NULL,
                        summary TEXT NOT NULL
                    );
                    -- Messages caused by a change, written in the same transaction; signed and published with confirm
                    -- by the worker, then marked sent.
                    CREATE TABLE outbox (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        message_id TEXT NOT NULL UNIQUE,
                        type TEXT NOT NULL,
                        recipient TEXT NOT NULL,
                        subject TEXT NOT NULL,
                        body BLOB NOT NULL,
                        cause TEXT NOT NULL,                -- the rule or command that wrote it
                        created_at INTEGER NOT NULL,
                        sent_at INTEGER
                    );
                    CREATE INDEX outbox_pending ON outbox(seq) WHERE sent_at IS NULL;
                    -- Referrals this service sent (direction out) or received (in), and where each stands.
                    CREATE TABLE referral (
                        referral_id TEXT PRIMARY KEY,
                        direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
                        counterpart TEXT NOT NULL,
                        subject TEXT NOT NULL,
                        message_id TEXT NOT NULL,
                        type TEXT NOT NULL,                 -- referral or marac-referral
                        status TEXT NOT NULL,               -- sent, refused, accepted, declined, contact-made, ...
                        status_detail TEXT,
                        created_at INTEGER NOT NULL,
                        updated_at INTEGER NOT NULL,
                        body BLOB NOT NULL                  -- as received (after the gateway's redaction) or as sent
                    );
                    CREATE INDEX referral_subject ON referral(subject);
                    CREATE INDEX referral_message ON referral(message_id);
                    CREATE TABLE referral_event (
                        referral_id TEXT NOT NULL REFERENCES referral(referral_id),
                        at INTEGER NOT NULL,
                        status TEXT NOT NULL,
                        detail TEXT
                    );
                    -- Consents this service recorded with the gateway.
                    CREATE TABLE consent (
                        consent_id TEXT PRIMARY KEY,
                        subject TEXT NOT NULL,
                        recipients TEXT NOT NULL,
                        purposes TEXT NOT NULL,
                        given_at INTEGER NOT NULL,
                        expires_at INTEGER NOT NULL,
                        withdrawn_at INTEGER
                    );
                    CREATE TABLE alert (
                        alert_id TEXT PRIMARY KEY,
                        direction TEXT NOT NULL,
                        counterpart TEXT NOT NULL,
                        subject TEXT NOT NULL,
                        kind TEXT NOT NULL,
                        severity TEXT NOT NULL,
                        at INTEGER NOT NULL,
                        summary TEXT NOT NULL,
                        reference TEXT
                    );
                    -- Non-delivery reports: what the gateway refused of ours, and why.
                    CREATE TABLE refusal (
                        message_id TEXT PRIMARY KEY,
                        original_type TEXT NOT NULL,
                        intended_recipient TEXT NOT NULL,
                        reason_code TEXT NOT NULL,
                        reason_text TEXT NOT NULL,
                        at INTEGER NOT NULL
                    );
                    -- MARAC actions this agency owns (from action plans).
                    CREATE TABLE assigned_action (
                        case_id TEXT NOT NULL,
                        action_id TEXT NOT NULL,
                        marac_referral_id TEXT NOT NULL,
                        subject TEXT NOT NULL,
                        description TEXT NOT NULL,
                        due_date TEXT NOT NULL,
                        status TEXT NOT NULL,
                        updated_at INTEGER NOT NULL,
                        PRIMARY KEY (case_id, action_id)
                    );
                    CREATE TABLE timer (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        kind TEXT NOT NULL,
                        subject TEXT NOT NULL,
                        reference TEXT NOT NULL,
                        due_at INTEGER NOT NULL,
                        fired_at INTEGER,
                        cancelled_at INTEGER
                    );
                    CREATE INDEX timer_due ON timer(due_at) WHERE fired_at IS NULL AND cancelled_at IS NULL;
                    -- Why the service did what it did automatically, for the caseworker and for review.
                    CREATE TABLE rule_log (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        at INTEGER NOT NULL,
                        rule TEXT NOT NULL,
                        subject TEXT NOT NULL,
                        detail TEXT NOT NULL
                    );
                    CREATE INDEX rule_log_subject ON rule_log(subject);
                    """)
        }
        m.registerMigration("core-v2-consent-at-the-gateway") { db in
            // What the gateway made of each consent record: acknowledged (it now decides with it) or refused.
            try db.execute(
                sql: """
                    ALTER TABLE consent ADD COLUMN gateway_status TEXT;   -- NULL: not answered yet; registered; refused
                    ALTER TABLE consent ADD COLUMN gateway_detail TEXT;   -- the reason code and text of a refusal
                    """)
        }
        m.registerMigration("core-v3-consent-answers") { db in
            // When the gateway answered a consent record (acknowledged or refused it). Until then, later messages
            // about the same person wait: in a region, another gateway could otherwise decide them first. Consent
            // records written before this migration count as answered, as nothing waited on them then.
            try db.execute(
                sql: """
                    ALTER TABLE outbox ADD COLUMN answered_at INTEGER;
                    UPDATE outbox SET answered_at = created_at WHERE type = 'consent';
                    CREATE INDEX outbox_unanswered_consent ON outbox(subject, seq) WHERE type = 'consent' AND answered_at IS NULL;
                    """)
        }
        return m
    }
}
