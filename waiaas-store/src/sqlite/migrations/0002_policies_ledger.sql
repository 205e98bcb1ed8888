-- 0002: policies and the spend ledger.
-- Policies keep their rules as JSON text (validated and normalized when written; a row
-- that no longer parses makes decisions deny). `policy_epoch` changes with every policy
-- write so that processes can cache the policy set and notice changes.
-- The spend ledger holds one row per admitted request. `spend_windows` keeps, per
-- wallet, running totals per window length plus an eviction cursor (one row, so a
-- decision reads and writes it once), so a decision reads a few
-- rows instead of scanning the wallet's history.

CREATE TABLE policies (
    id TEXT PRIMARY KEY,
    wallet_id TEXT REFERENCES wallets (id) ON DELETE CASCADE,
    network TEXT,
    type TEXT NOT NULL,
    rules TEXT NOT NULL,
    priority INTEGER NOT NULL DEFAULT 0,
    enabled INTEGER NOT NULL DEFAULT 1,
    revision INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX policies_wallet ON policies (wallet_id);

CREATE TABLE policy_epoch (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    epoch INTEGER NOT NULL
);
INSERT INTO policy_epoch (id, epoch) VALUES (1, 0);

CREATE TABLE spend_ledger (
    seq INTEGER PRIMARY KEY,
    request_id TEXT NOT NULL UNIQUE,
    wallet_id TEXT NOT NULL,
    network TEXT NOT NULL,
    kind TEXT NOT NULL,
    tier TEXT NOT NULL,
    status TEXT NOT NULL,
    spend TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX spend_ledger_wallet_time ON spend_ledger (wallet_id, created_at, seq);

CREATE TABLE spend_windows (
    wallet_id TEXT PRIMARY KEY,
    -- JSON: { "windows": { "<seconds>": { "cursorAt", "totals" } }, "inFlight": totals }.
    -- Ledger rows created after cursorAt are in a window's totals; inFlight sums the
    -- wallet's RESERVED rows.
    state TEXT NOT NULL
);
