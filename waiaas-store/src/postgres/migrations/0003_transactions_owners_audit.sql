-- 0003: the transaction pipeline, wallet owners, the kill switch and the hash-chained
-- audit log (as SQLite's 0003). Admissions hold the kill switch row `FOR SHARE`, so an
-- activation waits for the admissions in progress and no admission starts under it.

CREATE TABLE transactions (
    id TEXT PRIMARY KEY,
    wallet_id TEXT NOT NULL REFERENCES wallets (id) ON DELETE CASCADE,
    session_id TEXT,
    network TEXT NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    tier TEXT,
    request TEXT NOT NULL,
    decision TEXT,
    idempotency_key TEXT,
    owner_nonce TEXT NOT NULL,
    result TEXT,
    error_code TEXT,
    error_message TEXT,
    execute_after BIGINT,
    expires_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX transactions_idempotency ON transactions (wallet_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
CREATE INDEX transactions_wallet_time ON transactions (wallet_id, created_at, id);
CREATE INDEX transactions_status_due ON transactions (status, execute_after);
CREATE INDEX transactions_session ON transactions (session_id);

CREATE TABLE wallet_owners (
    wallet_id TEXT PRIMARY KEY REFERENCES wallets (id) ON DELETE CASCADE,
    address TEXT NOT NULL,
    state TEXT NOT NULL,
    challenge TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE kill_switch (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    state TEXT NOT NULL,
    reason TEXT,
    updated_at BIGINT NOT NULL
);
INSERT INTO kill_switch (id, state, reason, updated_at) VALUES (1, 'ACTIVE', NULL, 0);

CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    event TEXT NOT NULL,
    wallet_id TEXT,
    tx_id TEXT,
    details TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
