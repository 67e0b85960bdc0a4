import DurableStore
import Foundation
import GRDB

/// The gateway's state in one SQLite file, for one machine (the embedded default): one writer at a time, so a
/// message id, a withdrawal and the audit chain are ordered by the file's own write lock. The dead-letter keeper and
/// the administrators' commands open the same file beside the gateway.
public final class SQLiteGatewayStore: GatewayStore {
    /// The SQLite pool (one writer, concurrent readers); the tests look inside it.
    let database: DatabasePool
    /// The name of the process that opened the store, stamped on the audit entries it writes.
    public let instance: String?

    /// Opens (creating and migrating) the store at `path` for the process named `instance`.
    public init(path: String, instance: String? = nil) throws {
        self.instance = instance
        do {
            database = try DurableDatabase.open(path: path, migrator: Self.migrator, tuning: Self.tuning)
        } catch {
            throw GatewayStoreError.unavailable("cannot open the gateway database \(path): \(error)")
        }
    }

    /// Runs `body` in one write transaction.
    public func write<T: Sendable>(_ body: @escaping @Sendable (any GatewayTransaction) throws -> T) async throws -> T {
        try await database.write { db in try body(SQLiteGatewayTransaction(db, instance: instance)) }
    }

    /// Runs `body` on a snapshot.
    public func read<T: Sendable>(_ body: @escaping @Sendable (any GatewayTransaction) throws -> T) async throws -> T {
        try await database.read { db in try body(SQLiteGatewayTransaction(db, instance: instance)) }
    }

    /// Runs `body` in one write transaction, blocking.
    public func writeNow<T>(_ body: (any GatewayTransaction) throws -> T) throws -> T {
        try database.write { db in try body(SQLiteGatewayTransaction(db, instance: instance)) }
    }

    /// Runs `body` on a snapshot, blocking.
    public func readNow<T>(_ body: (any GatewayTransaction) throws -> T) throws -> T {
        try database.read { db in try body(SQLiteGatewayTransaction(db, instance: instance)) }
    }

    /// Every message adds entries at random places in the seen-message and audit indexes. Once those outgrow
    /// SQLite's 2 MiB cache each entry reads its page from the file, and a checkpoint every 1,000 log pages writes
    /// each page back again and again: on a store holding 200,000 decisions a referral's database work cost 2 – 3
    /// times as much as on a new store (`gateway-bench --steps`). 64 MiB keeps the indexes' upper levels and
    /// recent pages in memory; a 40 MB log lets a page take many changes before it is written back once.
    static let tuning = DurableDatabase.Tuning(writerCacheMiB: 64, checkpointPages: 10_000)

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE seen_message (
                        message_id TEXT PRIMARY KEY,
                        sender TEXT NOT NULL,
                        fingerprint TEXT NOT NULL,      -- SHA-256 of sender, recipient, subject, type and body: the same message again, or a reused id?
                        processed_at INTEGER NOT NULL
                    );
                    CREATE TABLE consent (
                        consent_id TEXT PRIMARY KEY,
                        subject TEXT NOT NULL,
                        recipients TEXT NOT NULL,       -- space-separated party ids
                        purposes TEXT NOT NULL,         -- space-separated purposes
                        given_at INTEGER NOT NULL,
                        expires_at INTEGER NOT NULL,
                        withdrawn_at INTEGER,
                        recorded_by TEXT NOT NULL
                    );
                    CREATE INDEX consent_by_subject ON consent(subject);
                    CREATE TABLE audit (
                        seq INTEGER PRIMARY KEY,
                        at INTEGER NOT NULL,
                        event TEXT NOT NULL,
                        message_id TEXT NOT NULL,
                        type TEXT NOT NULL,
                        sender TEXT NOT NULL,
                        recipient TEXT NOT NULL,
                        subject TEXT NOT NULL,
                        reason_code TEXT,
                        basis TEXT,
                        basis_reference TEXT,
                        justification TEXT,
                        removed_fields TEXT NOT NULL,
                        actor TEXT,
                        previous_hash TEXT NOT NULL,
                        hash TEXT NOT NULL
                    );
                    CREATE INDEX audit_by_subject ON audit(subject);
                    CREATE INDEX audit_by_message ON audit(message_id);
                    CREATE TRIGGER audit_is_append_only_update BEFORE UPDATE ON audit
                        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
                    CREATE TRIGGER audit_is_append_only_delete BEFORE DELETE ON audit
                        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
                    CREATE TABLE outbox (
                        id INTEGER PRIMARY KEY,
                        message_id TEXT NOT NULL,
                        exchange TEXT NOT NULL,
                        routing_key TEXT NOT NULL,
                        type TEXT NOT NULL,
                        headers TEXT NOT NULL,          -- JSON object of string headers
                        body BLOB NOT NULL,
                        created_at INTEGER NOT NULL
                    );
                    """)
        }
        m.registerMigration("v2-dead-letters") { db in
            try db.execute(
                sql: """
                    -- Every dead letter, kept until an administrator replays or discards it (a tombstone stays).
                    CREATE TABLE dead_letter (
                        id INTEGER PRIMARY KEY,
                        fingerprint TEXT NOT NULL UNIQUE, -- SHA-256 of x-death/refusal headers and body: a redelivery is kept once
                        message_id TEXT,
                        original_exchange TEXT NOT NULL,
                        original_routing_key TEXT NOT NULL,
                        queue TEXT NOT NULL,
                        reason TEXT NOT NULL,             -- rejected, expired, maxlen, delivery_limit, or the gateway's reason code
                        reason_detail TEXT,
                        death_count INTEGER NOT NULL,
                        first_death_at INTEGER NOT NULL,
                        last_death_at INTEGER NOT NULL,
                        sender TEXT,
                        recipient TEXT,
                        type TEXT,
                        subject TEXT,
                        properties TEXT NOT NULL,         -- JSON: the AMQP properties and headers, to replay it as it was
                        body BLOB NOT NULL,
                        kept_at INTEGER NOT NULL,
                        status TEXT NOT NULL DEFAULT 'kept', -- kept, replayed, discarded
                        resolved_at INTEGER,
                        resolved_by TEXT,
                        resolution_reason TEXT
                    );
                    CREATE INDEX dead_letter_kept ON dead_letter(status, kept_at);
                    """)
        }
        m.registerMigration("v3-replay") { db in
            try db.execute(
                sql: """
                    ALTER TABLE dead_letter ADD COLUMN replay_count INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE dead_letter ADD COLUMN last_replay_outcome TEXT; -- delivered, already-delivered, or the reason code it was refused again with
                    -- Each replay an administrator asked for: the gateway decides it and writes the outcome here.
                    CREATE TABLE replay_request (
                        request_id TEXT PRIMARY KEY,
                        dead_letter_id INTEGER NOT NULL REFERENCES dead_letter(id),
                        attempt INTEGER NOT NULL,
                        requested_at INTEGER NOT NULL,
                        requested_by TEXT NOT NULL,
                        reason TEXT NOT NULL,
                        outcome TEXT,                 -- NULL until the gateway decided
                        decided_at INTEGER
                    );
                    CREATE INDEX replay_request_by_letter ON replay_request(dead_letter_id);
                    """)
        }
        m.registerMigration("v4-delivered-in-seen-messages") { db in
            // Replays ask whether, and on what basis, a message was delivered. The seen-message ledger answers by
            // pointing at the audit entry, so the audit log needs no index of message ids: one entry fewer at a
            // random place in an index for every message (see `tuning`). The purge (v8) therefore keeps the ids of kept dead letters.
            try db.execute(
                sql: """
                    ALTER TABLE seen_message ADD COLUMN delivered_seq INTEGER; -- the audit entry of its latest delivery
                    UPDATE seen_message SET delivered_seq = (SELECT MAX(seq) FROM audit
                        WHERE audit.message_id = seen_message.message_id AND audit.event = 'delivered');
                    DROP INDEX audit_by_message;
                    """)
        }
        m.registerMigration("v5-dead-letter-content") { db in
            // A replay changes a letter's status, count and outcome: with the body and properties in the same row,
            // each replay rewrote a whole page of the file for a few bytes (a bulk replay's largest write). Apart,
            // a status row is ~300 bytes and a thousand replays touch a hundred pages; listing no longer reads bodies.
            try db.execute(
                sql: """
                    CREATE TABLE dead_letter_content (
                        id INTEGER PRIMARY KEY,         -- the dead letter's id
                        properties TEXT NOT NULL,       -- JSON: the AMQP properties and headers, to replay it as it was
                        body BLOB NOT NULL
                    );
                    INSERT INTO dead_letter_content (id, properties, body) SELECT id, properties, body FROM dead_letter;
                    ALTER TABLE dead_letter DROP COLUMN properties;
                    ALTER TABLE dead_letter DROP COLUMN body;
                    """)
        }
        m.registerMigration("v6-bound-bodies") { db in
            // The envelope bound to the body (contracts/bindings.json): who each person is, who holds them, what was
            // delivered for later messages to refer to, and everyone an audited decision named.
            try db.execute(
                sql: """
                    -- Each person a delivered message named: the role they were first seen in (a later message may not
                    -- contradict it) and the services holding them. One row a person, written only when something changes:
                    -- the registry costs a delivery at most one write a person.
                    CREATE TABLE person_role (
                        urc TEXT PRIMARY KEY,
                        role TEXT,                        -- victim, child, perpetrator, other-adult; NULL until a message says
                        issuer TEXT NOT NULL,             -- the party whose issuer code the URC carries
                        first_seen_by TEXT NOT NULL,      -- the party whose delivered message first named them (in their role)
                        first_message_id TEXT NOT NULL,
                        first_seen_at INTEGER NOT NULL,
                        holders TEXT NOT NULL             -- ' family safehome ': services it was delivered to (the issuer holds them too)
                    ) WITHOUT ROWID;
                    -- Referrals, MARAC referrals and MARAC actions delivered: what answers, plans, updates and alerts refer to.
                    CREATE TABLE correspondence (
                        kind TEXT NOT NULL,               -- referral, marac-referral, marac-action
                        reference TEXT NOT NULL,          -- its referralId, maracReferralId or actionId
                        sender TEXT NOT NULL,
                        recipient TEXT NOT NULL,
                        subject TEXT NOT NULL,
                        case_id TEXT,                     -- a MARAC action's case
                        message_id TEXT NOT NULL,
                        at INTEGER NOT NULL,
                        PRIMARY KEY (kind, reference, recipient)
                    ) WITHOUT ROWID;
                    -- Everyone besides the subject an audit entry names (children, a perpetrator): a subject access request
                    -- for them finds it. The entry itself carries them too, inside its hash.
                    ALTER TABLE audit ADD COLUMN people TEXT;  -- JSON array of "URC role", NULL when it names only its subject
                    CREATE TABLE audit_person (
                        urc TEXT NOT NULL,
                        seq INTEGER NOT NULL,
                        PRIMARY KEY (urc, seq)
                    ) WITHOUT ROWID;
                    -- How a refused message arrived, so that its dead letter is replayed as it came.
                    ALTER TABLE outbox ADD COLUMN content_type TEXT;
                    ALTER TABLE outbox ADD COLUMN persistent INTEGER NOT NULL DEFAULT 1;
                    """)
        }
        m.registerMigration("v7-audit-instance") { db in
            // Which gateway, keeper or tool wrote each entry (inside its hash): a region runs several.
            try db.execute(sql: "ALTER TABLE audit ADD COLUMN instance TEXT")
        }
        m.registerMigration("v8-retention") { db in
            // The purge (config/retention.yaml): seen ids found by age, those a kept dead letter carries kept, and
            // when it last ran, so that it runs once an interval however many processes share the file.
            try db.execute(
                sql: """
                    CREATE INDEX seen_message_by_time ON seen_message(processed_at);
                    CREATE INDEX dead_letter_by_message ON dead_letter(message_id);
                    CREATE INDEX dead_letter_resolved ON dead_letter(status, resolved_at);
                    CREATE TABLE maintenance (
                        task TEXT PRIMARY KEY,            -- purge
                        last_run_at INTEGER NOT NULL,     -- when its last run finished
                        instance TEXT                     -- which process ran it
                    );
                    """)
        }
        m.registerMigration("v9-audit-by-time") { db in
            // `refgw status` and the reports count decisions over a recent window.
            try db.execute(sql: "CREATE INDEX audit_by_time ON audit(at)")
        }
        return m
    }
}
