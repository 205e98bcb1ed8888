-- 0005: notification channels and approval-page links (as SQLite's 0005).

-- A channel's secret (bot token, webhook URL, ntfy topic URL) is sealed under the
-- vault's data key with an AAD binding its name and kind; `params` holds the public
-- settings (chat id, priority) as JSON. The counters are bookkeeping shared by every
-- host, so `waiaas status` shows failures seen by any server.
CREATE TABLE notify_channels (
    name TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    params TEXT NOT NULL,
    secret_nonce BYTEA NOT NULL,
    secret BYTEA NOT NULL,
    created_at BIGINT NOT NULL,
    delivered BIGINT NOT NULL DEFAULT 0,
    failed BIGINT NOT NULL DEFAULT 0,
    last_error TEXT,
    last_error_at BIGINT
);

-- One row per link sent: only the SHA-256 of its token is kept. A link opens one
-- transaction's approval page once (`used_at`), until `expires_at`.
CREATE TABLE approval_links (
    token_hash TEXT PRIMARY KEY,
    tx_id TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX approval_links_expiry ON approval_links (expires_at);
