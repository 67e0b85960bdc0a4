import Logging
import PostgresNIO

/// The PostgreSQL schema, as numbered migrations applied once each, in order, under an advisory lock (so several
/// gateways starting together migrate once). The tables are those of the SQLite store, in PostgreSQL's types.
enum PostgresMigrations {
    /// Each migration's name and statements; never edit one that has shipped, add another.
    static let all: [(name: String, statements: [String])] = [
        (
            "v1",
            [
                """
                CREATE TABLE seen_message (
                    message_id TEXT PRIMARY KEY,
                    sender TEXT NOT NULL,
                    fingerprint TEXT NOT NULL,
                    processed_at BIGINT NOT NULL,
                    delivered_seq BIGINT
                )
                """,
                """
                CREATE TABLE consent (
                    consent_id TEXT PRIMARY KEY,
                    subject TEXT NOT NULL,
                    recipients TEXT NOT NULL,
                    purposes TEXT NOT NULL,
                    given_at BIGINT NOT NULL,
                    expires_at BIGINT NOT NULL,
                    withdrawn_at BIGINT,
                    recorded_by TEXT NOT NULL
                )
                """,
                "CREATE INDEX consent_by_subject ON consent(subject)",
                """
                CREATE TABLE person_role (
                    urc TEXT PRIMARY KEY,
                    role TEXT,
                    issuer TEXT NOT NULL,
                    first_seen_by TEXT NOT NULL,
                    first_message_id TEXT NOT NULL,
                    first_seen_at BIGINT NOT NULL,
                    holders TEXT NOT NULL
                )
                """,
                """
                CREATE TABLE correspondence (
                    kind TEXT NOT NULL,
                    reference TEXT NOT NULL,
                    sender TEXT NOT NULL,
                    recipient TEXT NOT NULL,
                    subject TEXT NOT NULL,
                    case_id TEXT,
                    message_id TEXT NOT NULL,
                    at BIGINT NOT NULL,
                    PRIMARY KEY (kind, reference, recipient)
                )
                """,
                """
                CREATE TABLE audit (
                    seq BIGINT PRIMARY KEY,
                    at BIGINT NOT NULL,
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
                    hash TEXT NOT NULL,
                    people TEXT
                )
                """,
                "CREATE INDEX audit_by_subject ON audit(subject)",
                """
                CREATE FUNCTION audit_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$
                """,
                "CREATE TRIGGER audit_is_append_only BEFORE UPDATE OR DELETE ON audit FOR EACH ROW EXECUTE FUNCTION audit_is_append_only()",
                "CREATE TABLE audit_person (urc TEXT NOT NULL, seq BIGINT NOT NULL, PRIMARY KEY (urc, seq))",
                """
                CREATE TABLE outbox (
                    id BIGSERIAL PRIMARY KEY,
                    message_id TEXT NOT NULL,
                    exchange TEXT NOT NULL,
                    routing_key TEXT NOT NULL,
                    type TEXT NOT NULL,
                    headers TEXT NOT NULL,
                    body BYTEA NOT NULL,
                    created_at BIGINT NOT NULL,
                    content_type TEXT,
                    persistent BOOLEAN NOT NULL
                )
                """,
                """
                CREATE TABLE dead_letter (
                    id BIGSERIAL PRIMARY KEY,
                    fingerprint TEXT NOT NULL UNIQUE,
                    message_id TEXT,
                    original_exchange TEXT NOT NULL,
                    original_routing_key TEXT NOT NULL,
                    queue TEXT NOT NULL,
                    reason TEXT NOT NULL,
                    reason_detail TEXT,
                    death_count BIGINT NOT NULL,
                    first_death_at BIGINT NOT NULL,
                    last_death_at BIGINT NOT NULL,
                    sender TEXT,
                    recipient TEXT,
                    type TEXT,
                    subject TEXT,
                    kept_at BIGINT NOT NULL,
                    status TEXT NOT NULL DEFAULT 'kept',
                    resolved_at BIGINT,
                    resolved_by TEXT,
                    resolution_reason TEXT,
                    replay_count BIGINT NOT NULL DEFAULT 0,
                    last_replay_outcome TEXT
                )
                """,
                "CREATE INDEX dead_letter_kept ON dead_letter(status, kept_at)",
                "CREATE TABLE dead_letter_content (id BIGINT PRIMARY KEY REFERENCES dead_letter(id), properties TEXT NOT NULL, body BYTEA NOT NULL)",
                """
                CREATE TABLE replay_request (
                    request_id TEXT PRIMARY KEY,
                    dead_letter_id BIGINT NOT NULL REFERENCES dead_letter(id),
                    attempt BIGINT NOT NULL,
                    requested_at BIGINT NOT NULL,
                    requested_by TEXT NOT NULL,
                    reason TEXT NOT NULL,
                    outcome TEXT,
                    decided_at BIGINT
                )
                """,
                "CREATE INDEX replay_request_by_letter ON replay_request(dead_letter_id)",
            ]
        ),
        // Which gateway, keeper or tool wrote each entry (inside its hash): a region runs several.
        ("v2-audit-instance", ["ALTER TABLE audit ADD COLUMN instance TEXT"]),
        // The purge (config/retention.yaml): seen ids found by age, those a kept dead letter carries kept, and when it
        // last ran, so that one gateway of the region runs it once an interval.
        (
            "v3-retention",
            [
                "CREATE INDEX seen_message_by_time ON seen_message(processed_at)",
                "CREATE INDEX dead_letter_by_message ON dead_letter(message_id)",
                "CREATE INDEX dead_letter_resolved ON dead_letter(status, resolved_at)",
                "CREATE TABLE maintenance (task TEXT PRIMARY KEY, last_run_at BIGINT NOT NULL, instance TEXT)",
            ]
        ),
        // `refgw status` and the reports count decisions over a recent window.
        ("v4-audit-by-time", ["CREATE INDEX audit_by_time ON audit(at)"]),
    ]

    /// Applies the migrations `connection`'s database lacks, in one transaction under the migration lock.
    static func run(on connection: PostgresConnection, logger: Logger) throws {
        func run(_ sql: String) throws { _ = try connection.query(PostgresQuery(unsafeSQL: sql), logger: logger).wait() }
        try run("BEGIN")
        do {
            try run("SELECT pg_advisory_xact_lock(\(PostgresGatewayStore.migrationLock))")
            try run("CREATE TABLE IF NOT EXISTS refgw_migration (name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())")
            let applied = Set(
                try connection.query("SELECT name FROM refgw_migration", logger: logger).wait().map { try $0.decode(String.self) })
            for migration in all where !applied.contains(migration.name) {
                for statement in migration.statements { try run(statement) }
                _ = try connection.query("INSERT INTO refgw_migration (name) VALUES (\(migration.name))", logger: logger).wait()
            }
            try run("COMMIT")
        } catch {
            try? run("ROLLBACK")
            throw error
        }
    }
}
