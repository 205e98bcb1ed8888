-- 0005: notification channels and approval-page links.

-- A channel's secret (bot token, webhook URL, ntfy topic URL) is sealed under the
-- vault's data key with an AAD binding its name and kind; `params` holds the public
-- settings (chat id, priority) as JSON. The counters are bookkeeping shared by every
-- process, so `waiaas status` shows failures seen by the server.
CREATE TABLE notify_channels (
    name TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    params TEXT NOT NULL,
    secret_nonce BLOB NOT NULL,
    secret BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    delivered INTEGER NOT NULL DEFAULT 0,
    failed INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    last_error_at INTEGER
);

-- One row per link sent: only the SHA-256 of its token is kept. A link opens one
-- transaction's approval page once (`used_at`), until `expires_at`.
CREATE TABLE approval_links (
    token_hash TEXT PRIMARY KEY,
    tx_id TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER
);
CREATE INDEX approval_links_expiry ON approval_links (expires_at);
