//! Notification channels and approval-page links (as SQLite's `notify.rs`).

use postgres::Row;
use waiaas_core::audit::AuditEntry;
use waiaas_core::error::StoreError;
use waiaas_core::ids::TxId;
use waiaas_core::store::{ApprovalLinkRecord, ChannelRecord, LinkRedemption, SealedBox};

use super::PgStore;
use super::rows::{col, u_col};
use crate::rules::links::{EXPIRED_LINK_GRACE_SECS, redemption};

const CHANNEL_COLS: &str = "name, kind, params, secret_nonce, secret, created_at, delivered, \
    failed, last_error, last_error_at";

fn channel_row(r: &Row) -> Result<ChannelRecord, StoreError> {
    const T: &str = "notify_channels";
    Ok(ChannelRecord {
        name: col(r, 0)?,
        kind: col(r, 1)?,
        params: col(r, 2)?,
        secret: SealedBox {
            nonce: col(r, 3)?,
            ciphertext: col(r, 4)?,
        },
        created_at: col(r, 5)?,
        delivered: u_col(r, 6, T)?,
        failed: u_col(r, 7, T)?,
        last_error: col(r, 8)?,
        last_error_at: col(r, 9)?,
    })
}

pub(super) fn insert_channel(
    store: &PgStore,
    c: &ChannelRecord,
    audit: &AuditEntry,
) -> Result<bool, StoreError> {
    store.audited("insert channel", audit, |conn| {
        let inserted = conn.exec(
            "insert channel",
            "INSERT INTO notify_channels (name, kind, params, secret_nonce, secret, created_at)
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (name) DO NOTHING",
            &[
                &c.name,
                &c.kind,
                &c.params,
                &c.secret.nonce,
                &c.secret.ciphertext,
                &c.created_at,
            ],
        )?;
        Ok((inserted == 1, inserted == 1))
    })
}

pub(super) fn channels(store: &PgStore) -> Result<Vec<ChannelRecord>, StoreError> {
    store.read(|conn| {
        conn.query(
            "read channels",
            &format!("SELECT {CHANNEL_COLS} FROM notify_channels ORDER BY name"),
            &[],
        )?
        .iter()
        .map(channel_row)
        .collect()
    })
}

pub(super) fn delete_channel(
    store: &PgStore,
    name: &str,
    audit: &AuditEntry,
) -> Result<bool, StoreError> {
    store.audited("delete channel", audit, |conn| {
        let deleted = conn.exec(
            "delete channel",
            "DELETE FROM notify_channels WHERE name = $1",
            &[&name],
        )?;
        Ok((deleted == 1, deleted == 1))
    })
}

pub(super) fn record_delivery(
    store: &PgStore,
    name: &str,
    error: Option<&str>,
    now: i64,
) -> Result<(), StoreError> {
    store.write("record delivery", None, |conn| {
        match error {
            None => conn.exec(
                "record delivery",
                "UPDATE notify_channels SET delivered = delivered + 1 WHERE name = $1",
                &[&name],
            ),
            Some(reason) => conn.exec(
                "record delivery",
                "UPDATE notify_channels SET failed = failed + 1, last_error = $2, last_error_at = $3
                 WHERE name = $1",
                &[&name, &reason, &now],
            ),
        }?;
        Ok(())
    })
}

pub(super) fn insert_approval_link(
    store: &PgStore,
    link: &ApprovalLinkRecord,
    now: i64,
) -> Result<(), StoreError> {
    store.write("insert approval link", None, |conn| {
        conn.exec(
            "insert approval link",
            "DELETE FROM approval_links WHERE expires_at < $1",
            &[&now.saturating_sub(EXPIRED_LINK_GRACE_SECS)],
        )?;
        conn.exec(
            "insert approval link",
            "INSERT INTO approval_links (token_hash, tx_id, expires_at) VALUES ($1, $2, $3)",
            &[&link.token_hash, &link.tx_id.to_string(), &link.expires_at],
        )?;
        Ok(())
    })
}

pub(super) fn redeem_approval_link(
    store: &PgStore,
    token_hash: &str,
    tx_id: TxId,
    now: i64,
    audit: &AuditEntry,
) -> Result<LinkRedemption, StoreError> {
    store.audited("redeem approval link", audit, |conn| {
        // Locked: two hosts redeeming the same link at once cannot both succeed.
        let row = conn.opt(
            "redeem approval link",
            "SELECT expires_at, used_at FROM approval_links
             WHERE token_hash = $1 AND tx_id = $2 FOR UPDATE",
            &[&token_hash, &tx_id.to_string()],
        )?;
        let row: Option<(i64, Option<i64>)> = match row {
            Some(r) => Some((col(&r, 0)?, col(&r, 1)?)),
            None => None,
        };
        let outcome = redemption(row, now);
        if outcome == LinkRedemption::Redeemed {
            conn.exec(
                "redeem approval link",
                "UPDATE approval_links SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL",
                &[&token_hash, &now],
            )?;
        }
        Ok((outcome, outcome == LinkRedemption::Redeemed))
    })
}
