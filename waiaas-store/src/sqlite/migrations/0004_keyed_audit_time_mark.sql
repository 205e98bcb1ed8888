-- 0004: the keyed audit chain and the time high-water mark.

-- How each entry's hash was computed: 0 = unkeyed SHA-256 (every entry written before
-- this migration), 1 = HMAC-SHA256 under the audit key derived from the vault's data
-- key. The first unlock after this migration re-chains intact unkeyed entries under
-- the key (see `audit.rs`).
ALTER TABLE audit_log ADD COLUMN scheme INTEGER NOT NULL DEFAULT 0;

-- The recorded head of the log (truncation check) with its MAC under the audit key
-- (NULL for a head written before the log was keyed). Replaces the `audit_head` setting.
CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL,
    mac TEXT
);
INSERT INTO audit_head (id, seq, hash, mac)
    SELECT 1, CAST(substr(value, 1, instr(value, ':') - 1) AS INTEGER),
           substr(value, instr(value, ':') + 1), NULL
    FROM settings WHERE key = 'audit_head' AND instr(value, ':') > 1;
DELETE FROM settings WHERE key = 'audit_head';

-- The latest time any decision has seen (Unix seconds): every security decision uses
-- max(clock, at) and moves it forward in the same transaction, so a clock stepped back
-- never brings an expired token, an aged-out window or a DELAY deadline back. Seeded
-- with the latest time already written.
CREATE TABLE time_mark (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    at INTEGER NOT NULL
);
INSERT INTO time_mark (id, at) VALUES (1, (SELECT MAX(t) FROM (
    SELECT 0 AS t
    UNION ALL SELECT MAX(at) FROM audit_log
    UNION ALL SELECT MAX(created_at) FROM spend_ledger
    UNION ALL SELECT MAX(updated_at) FROM transactions
    UNION ALL SELECT MAX(token_issued_at) FROM sessions
)));

-- Rebuild every running window total from the ledger at its next use: a reservation
-- made while the clock was behind a window's cursor was never added to it.
DELETE FROM spend_windows;
