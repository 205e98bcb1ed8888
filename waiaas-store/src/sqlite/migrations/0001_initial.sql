-- 0001: vault header, wallets, agent sessions and their signing secrets, settings.
-- Later features (policies, transactions, spend ledger, approvals, audit log) arrive as
-- new numbered migrations; released migrations are never edited.
-- Portable SQL only: TEXT ids (UUID strings), INTEGER seconds, BLOB ciphertexts.

CREATE TABLE vault_header (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    header TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE wallets (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    chain TEXT NOT NULL,
    network TEXT NOT NULL,
    address TEXT NOT NULL,
    public_key BLOB NOT NULL,
    secret_nonce BLOB NOT NULL,
    secret_ciphertext BLOB NOT NULL,
    secret_format INTEGER NOT NULL,
    status TEXT NOT NULL DEFAULT 'ACTIVE',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX wallets_address ON wallets (address);

CREATE TABLE session_secrets (
    id TEXT PRIMARY KEY,
    nonce BLOB NOT NULL,
    ciphertext BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    retired_at INTEGER
);

CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    created_at INTEGER NOT NULL,
    ttl_seconds INTEGER,
    max_renewals INTEGER NOT NULL,
    absolute_lifetime_seconds INTEGER NOT NULL,
    permissions TEXT NOT NULL,
    token_generation INTEGER NOT NULL,
    token_issued_at INTEGER NOT NULL,
    expires_at INTEGER,
    renewal_count INTEGER NOT NULL DEFAULT 0,
    revoked_at INTEGER,
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
    updated_at INTEGER NOT NULL
);
