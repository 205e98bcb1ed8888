-- 0001: vault header, wallets, agent sessions and their signing secrets, settings, and
-- the failed-unlock counter. The same tables and numbering as the SQLite backend's
-- migrations, in PostgreSQL's types: TEXT ids (UUID strings), BIGINT seconds, BYTEA
-- for the sealed bytes (stored exactly as sealed: the database never sees a key).

CREATE TABLE vault_header (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    header TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- The failed-unlock counter every host shares (SQLite keeps it in a side file so that a
-- wrong password never writes the vault file; here it is one more row).
CREATE TABLE unlock_attempts (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    failures BIGINT NOT NULL,
    last_failure_at BIGINT
);

-- A row of this table is the per-wallet lock: admissions, claims, transitions and
-- cascades of one wallet take it `FOR NO KEY UPDATE` (docs/adr/0011).
CREATE TABLE wallets (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    chain TEXT NOT NULL,
    network TEXT NOT NULL,
    address TEXT NOT NULL,
    public_key BYTEA NOT NULL,
    secret_nonce BYTEA NOT NULL,
    secret_ciphertext BYTEA NOT NULL,
    secret_format BIGINT NOT NULL,
    status TEXT NOT NULL DEFAULT 'ACTIVE',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX wallets_address ON wallets (address);

CREATE TABLE session_secrets (
    id TEXT PRIMARY KEY,
    nonce BYTEA NOT NULL,
    ciphertext BYTEA NOT NULL,
    created_at BIGINT NOT NULL,
    retired_at BIGINT
);
-- At most one current secret, whatever several hosts race to store.
CREATE UNIQUE INDEX session_secrets_current ON session_secrets ((retired_at IS NULL))
    WHERE retired_at IS NULL;

CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    created_at BIGINT NOT NULL,
    ttl_seconds BIGINT,
    max_renewals BIGINT NOT NULL,
    absolute_lifetime_seconds BIGINT NOT NULL,
    permissions TEXT NOT NULL,
    token_generation BIGINT NOT NULL,
    token_issued_at BIGINT NOT NULL,
    expires_at BIGINT,
    renewal_count BIGINT NOT NULL DEFAULT 0,
    revoked_at BIGINT,
    label TEXT
);

CREATE TABLE session_wallets (
    session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    wallet_id TEXT NOT NULL REFERENCES wallets (id) ON DELETE CASCADE,
    PRIMARY KEY (session_id, wallet_id)
);
CREATE INDEX session_wallets_wallet ON session_wallets (wallet_id);

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
