-- 0002: policies and the spend ledger (as SQLite's 0002). `policy_epoch` changes with
-- every policy write: every host reads it in each decision and reloads its cached
-- policies when it moved, so no cache outlives a policy edit made on another host.
-- `spend_windows` keeps, per wallet, the running totals of the window rules
-- (`waiaas_store::rules::windows`), written only under the wallet's lock.

CREATE TABLE policies (
    id TEXT PRIMARY KEY,
    wallet_id TEXT REFERENCES wallets (id) ON DELETE CASCADE,
    network TEXT,
    type TEXT NOT NULL,
    rules TEXT NOT NULL,
    priority BIGINT NOT NULL DEFAULT 0,
    enabled BOOLEAN NOT NULL DEFAULT TRUE,
    revision BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX policies_wallet ON policies (wallet_id);

CREATE TABLE policy_epoch (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    epoch BIGINT NOT NULL
);
INSERT INTO policy_epoch (id, epoch) VALUES (1, 0);

CREATE TABLE spend_ledger (
    seq BIGSERIAL PRIMARY KEY,
    request_id TEXT NOT NULL UNIQUE,
    wallet_id TEXT NOT NULL,
    network TEXT NOT NULL,
    kind TEXT NOT NULL,
    tier TEXT NOT NULL,
    status TEXT NOT NULL,
    spend TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX spend_ledger_wallet_time ON spend_ledger (wallet_id, created_at, seq);

CREATE TABLE spend_windows (
    wallet_id TEXT PRIMARY KEY,
    state TEXT NOT NULL
);
