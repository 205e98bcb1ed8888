//! Notification channels and approval-page links.

use rusqlite::{OptionalExtension, Row, params};
use waiaas_core::audit::AuditEntry;
use waiaas_core::error::StoreError;
use waiaas_core::ids::TxId;
use waiaas_core::store::{ApprovalLinkRecord, ChannelRecord, LinkRedemption, SealedBox};

use super::SqliteStore;
use super::rows::{db_err, u_col};
use crate::rules::links::{EXPIRED_LINK_GRACE_SECS, redemption};

const CHANNEL_COLS: &str = "name, kind, params, secret_nonce, secret, created_at, delivered, \
    failed, last_error, last_error_at";

fn channel_row(r: &Row<'_>) -> Result<ChannelRecord, StoreError> {
    let get = |e| db_err("read channel")(e);
    Ok(ChannelRecord {
        name: r.get(0).map_err(get)?,
        kind: r.get(1).map_err(get)?,
        params: r.get(2).map_err(get)?,
        secret: SealedBox {
            nonce: r.get(3).map_err(get)?,
            ciphertext: r.get(4).map_err(get)?,
        },
        created_at: r.get(5).map_err(get)?,
        delivered: u_col(r, 6, "notify_channels")?,
        failed: u_col(r, 7, "notify_channels")?,
        last_error: r.get(8).map_err(get)?,
        last_error_at: r.get(9).map_err(get)?,
    })
}

pub(super) fn insert_channel(
    store: &SqliteStore,
    c: &ChannelRecord,
    audit: &AuditEntry,
) -> Result<bool, StoreError> {
    store.audited("insert channel", audit, |conn| {
        let inserted = conn
            .execute(
                "INSERT INTO notify_channels (name, kind, params, secret_nonce, secret, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (name) DO NOTHING",
                params![
                    c.name,
                    c.kind,
                    c.params,
                    c.secret.nonce,
                    c.secret.ciphertext,
                    c.created_at
                ],
            )
            .map_err(db_err("insert channel"))?;
        Ok((inserted == 1, inserted == 1))
    })
}

pub(super) fn channels(store: &SqliteStore) -> Result<Vec<ChannelRecord>, StoreError> {
    let conn = store.reader()?;
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {CHANNEL_COLS} FROM notify_channels ORDER BY name"
        ))
        .map_err(db_err("read channels"))?;
    let mut rows = stmt.query([]).map_err(db_err("read channels"))?;
    let mut out = Vec::new();
    while let Some(r) = rows.next().map_err(db_err("read channels"))? {
        out.push(channel_row(r)?);
    }
    Ok(out)
}

pub(super) fn delete_channel(
    store: &SqliteStore,
    name: &str,
    audit: &AuditEntry,
) -> Result<bool, StoreError> {
    store.audited("delete channel", audit, |conn| {
        let deleted = conn
            .execute("DELETE FROM notify_channels WHERE name = ?1", [name])
            .map_err(db_err("delete channel"))?;
        Ok((deleted == 1, deleted == 1))
    })
}

pub(super) fn record_delivery(
    store: &SqliteStore,
    name: &str,
    error: Option<&str>,
    now: i64,
) -> Result<(), StoreError> {
    store.write("record delivery", |conn| {
        match error {
            None => conn.execute(
                "UPDATE notify_channels SET delivered = delivered + 1 WHERE name = ?1",
                [name],
            ),
            Some(reason) => conn.execute(
                "UPDATE notify_channels SET failed = failed + 1, last_error = ?2, last_error_at = ?3
                 WHERE name = ?1",
                params![name, reason, now],
            ),
        }
        .map_err(db_err("record delivery"))?;
        Ok(())
    })
}

pub(super) fn insert_approval_link(
    store: &SqliteStore,
    link: &ApprovalLinkRecord,
    now: i64,
) -> Result<(), StoreError> {
    store.write("insert approval link", |conn| {
        conn.execute(
            "DELETE FROM approval_links WHERE expires_at < ?1",
            [now.saturating_sub(EXPIRED_LINK_GRACE_SECS)],
        )
        .map_err(db_err("insert approval link"))?;
        conn.execute(
            "INSERT INTO approval_links (token_hash, tx_id, expires_at) VALUES (?1, ?2, ?3)",
            params![link.token_hash, link.tx_id.to_string(), link.expires_at],
        )
        .map_err(db_err("insert approval link"))?;
        Ok(())
    })
}

pub(super) fn redeem_approval_link(
    store: &SqliteStore,
    token_hash: &str,
    tx_id: TxId,
    now: i64,
    audit: &AuditEntry,
) -> Result<LinkRedemption, StoreError> {
    store.audited("redeem approval link", audit, |conn| {
        let row: Option<(i64, Option<i64>)> = conn
            .query_row(
                "SELECT expires_at, used_at FROM approval_links WHERE token_hash = ?1 AND tx_id = ?2",
                params![token_hash, tx_id.to_string()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(db_err("redeem approval link"))?;
        let outcome = redemption(row, now);
        if outcome == LinkRedemption::Redeemed {
            conn.execute(
                "UPDATE approval_links SET used_at = ?2 WHERE token_hash = ?1 AND used_at IS NULL",
                params![token_hash, now],
            )
            .map_err(db_err("redeem approval link"))?;
        }
        Ok((outcome, outcome == LinkRedemption::Redeemed))
    })
}
