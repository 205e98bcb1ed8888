//! Transaction rows: the SQL of admission (the one place a decision and a reservation
//! are made), claims for execution, compare-and-swap transitions and cascades (their
//! sequence is [`crate::operations`]), and listings.

use rusqlite::{Connection, OptionalExtension, Row, params};
use waiaas_core::audit::AuditEntry;
use waiaas_core::error::StoreError;
use waiaas_core::ids::{SessionId, TxId, WalletId};
use waiaas_core::policy::{PolicyEngine, PolicyRequest, PriceBook};
use waiaas_core::store::{
    Admission, AdmissionGate, Claim, ExecutionCheck, KillSwitchState, PlacementRules, SignOutcome,
    TxFilter, TxRecord, TxTransition, WalletStatus,
};
use waiaas_core::tier::TxStatus;

use super::SqliteStore;
use super::operations::SqliteRows;
use super::rows::{corrupt, db_err};
use crate::operations::{self, CancelScope};
use crate::rules::admission;

pub(super) const TX_COLS: &str = "id, wallet_id, session_id, network, kind, status, tier, request, decision, \
    idempotency_key, owner_nonce, result, error_code, error_message, execute_after, expires_at, \
    created_at, updated_at";

pub(super) fn parse_tx_status(s: &str) -> Option<TxStatus> {
    [
        TxStatus::Pending,
        TxStatus::Queued,
        TxStatus::PendingApproval,
        TxStatus::Executing,
        TxStatus::Signed,
        TxStatus::Submitted,
        TxStatus::Confirmed,
        TxStatus::Failed,
        TxStatus::Cancelled,
        TxStatus::Rejected,
        TxStatus::Expired,
    ]
    .into_iter()
    .find(|t| t.as_str() == s)
}

pub(super) fn tx_from_row(row: &Row<'_>) -> Result<TxRecord, StoreError> {
    const T: &str = "transactions";
    let e = db_err("read transaction");
    let text =
        |i: usize| -> Result<String, StoreError> { row.get(i).map_err(db_err("read transaction")) };
    let id = text(0)?;
    let wallet = text(1)?;
    let session: Option<String> = row.get(2).map_err(&e)?;
    let network = text(3)?;
    let status = text(5)?;
    let tier: Option<String> = row.get(6).map_err(&e)?;
    Ok(TxRecord {
        id: TxId::parse(&id).map_err(|_| corrupt(T, format!("id `{id}`")))?,
        wallet_id: WalletId::parse(&wallet)
            .map_err(|_| corrupt(T, format!("wallet `{wallet}`")))?,
        session_id: session
            .map(|s| SessionId::parse(&s).map_err(|_| corrupt(T, format!("session `{s}`"))))
            .transpose()?,
        network: network
            .parse()
            .map_err(|_| corrupt(T, format!("network `{network}`")))?,
        kind: text(4)?,
        status: parse_tx_status(&status).ok_or_else(|| corrupt(T, format!("status `{status}`")))?,
        tier: tier
            .map(|t| t.parse().map_err(|_| corrupt(T, format!("tier `{t}`"))))
            .transpose()?,
        request: text(7)?,
        decision: row.get(8).map_err(&e)?,
        idempotency_key: row.get(9).map_err(&e)?,
        owner_nonce: text(10)?,
        result: row.get(11).map_err(&e)?,
        error_code: row.get(12).map_err(&e)?,
        error_message: row.get(13).map_err(&e)?,
        execute_after: row.get(14).map_err(&e)?,
        expires_at: row.get(15).map_err(&e)?,
        created_at: row.get(16).map_err(&e)?,
        updated_at: row.get(17).map_err(&e)?,
    })
}

pub(super) fn load_tx(
    conn: &Connection,
    sql: &str,
    params: &[&dyn rusqlite::ToSql],
) -> Result<Vec<TxRecord>, StoreError> {
    let mut stmt = conn
        .prepare_cached(sql)
        .map_err(db_err("read transactions"))?;
    let mut rows = stmt.query(params).map_err(db_err("read transactions"))?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(db_err("read transactions"))? {
        out.push(tx_from_row(row)?);
    }
    Ok(out)
}

pub(super) fn tx_by_id(conn: &Connection, id: TxId) -> Result<Option<TxRecord>, StoreError> {
    let id = id.to_string();
    Ok(load_tx(
        conn,
        &format!("SELECT {TX_COLS} FROM transactions WHERE id = ?1"),
        &[&id],
    )?
    .pop())
}

/// Why `wallet` (and `session`, when the row has one) may not sign at `now`, if so:
/// reads the kill switch, the wallet's status and the session row inside the caller's
/// transaction (each only when the previous one passed) and asks
/// [`admission::gate`]. Admission and the claim for execution ask the same question.
pub(super) fn gate(
    conn: &Connection,
    wallet: WalletId,
    session: Option<SessionId>,
    now: i64,
) -> Result<Option<AdmissionGate>, StoreError> {
    let ks: String = conn
        .prepare_cached("SELECT state FROM kill_switch WHERE id = 1")
        .and_then(|mut s| s.query_row([], |r| r.get(0)))
        .map_err(db_err("read kill switch"))?;
    let ks = KillSwitchState::parse(&ks)
        .ok_or_else(|| corrupt("kill_switch", format!("state `{ks}`")))?;
    if ks != KillSwitchState::Active {
        return Ok(admission::gate(ks, None, None, now));
    }
    let status: Option<String> = conn
        .prepare_cached("SELECT status FROM wallets WHERE id = ?1")
        .and_then(|mut s| s.query_row([wallet.to_string()], |r| r.get(0)).optional())
        .map_err(db_err("read wallet status"))?;
    let status = status
        .map(|s| WalletStatus::parse(&s).ok_or_else(|| corrupt("wallets", "unknown status")))
        .transpose()?;
    if status != Some(WalletStatus::Active) {
        return Ok(admission::gate(ks, status, None, now));
    }
    let session_row = match session {
        None => None,
        Some(session) => Some(
            conn.prepare_cached(
                "SELECT revoked_at, created_at, absolute_lifetime_seconds FROM sessions WHERE id = ?1",
            )
            .and_then(|mut s| {
                s.query_row([session.to_string()], |r| {
                    Ok(admission::SessionGateRow {
                        revoked_at: r.get(0)?,
                        created_at: r.get(1)?,
                        absolute_lifetime_seconds: r.get(2)?,
                    })
                })
                .optional()
            })
            .map_err(db_err("read session"))?,
        ),
    };
    Ok(admission::gate(ks, status, session_row, now))
}

/// `status IN ('PENDING', 'QUEUED', 'PENDING_APPROVAL', 'EXECUTING')`, the term of the
/// partial index `transactions_status_due` (migration 0006): a query must name this
/// very term for SQLite to walk that index, which holds the in-flight rows only.
static IN_FLIGHT_TERM: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let names: Vec<String> = admission::IN_FLIGHT
        .iter()
        .map(|s| format!("'{}'", s.as_str()))
        .collect();
    format!("status IN ({})", names.join(", "))
});

/// The in-flight rows of `scope`: read through the partial index, however long the
/// history.
pub(super) fn in_flight(
    conn: &Connection,
    scope: CancelScope,
) -> Result<Vec<TxRecord>, StoreError> {
    let param = match scope {
        CancelScope::Session(id) => Some(id.to_string()),
        CancelScope::Wallet(id) => Some(id.to_string()),
        CancelScope::RevokedSessions | CancelScope::All => None,
    };
    let params: Vec<&dyn rusqlite::ToSql> = param.iter().map(|p| p as _).collect();
    load_tx(conn, &in_flight_sql(scope), &params)
}

fn in_flight_sql(scope: CancelScope) -> String {
    let in_flight = &*IN_FLIGHT_TERM;
    let within = match scope {
        CancelScope::Session(_) => " AND session_id = ?1",
        CancelScope::RevokedSessions => {
            " AND session_id IN (SELECT id FROM sessions WHERE revoked_at IS NOT NULL)"
        }
        // `+`: not through the wallet's index, which would read its whole history.
        CancelScope::Wallet(_) => " AND +wallet_id = ?1",
        CancelScope::All => "",
    };
    format!("SELECT {TX_COLS} FROM transactions WHERE {in_flight}{within}")
}

/// Sets `current`'s status (while it is still `current.status`) and what `change`
/// carries.
pub(super) fn update_tx(
    conn: &Connection,
    current: &TxRecord,
    change: &TxTransition,
    now: i64,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "UPDATE transactions SET status = ?1, result = COALESCE(?2, result),
             error_code = COALESCE(?3, error_code), error_message = COALESCE(?4, error_message),
             owner_nonce = ?5,
             updated_at = ?6
         WHERE id = ?7 AND status = ?8",
    )
    .and_then(|mut s| {
        s.execute(params![
            change.to.as_str(),
            change.result,
            change.error_code,
            change.error_message,
            admission::consumed_nonce(&current.owner_nonce, change),
            now,
            current.id.to_string(),
            current.status.as_str()
        ])
    })
    .map_err(db_err("update transaction"))?;
    Ok(())
}

pub(super) fn tx_by_idempotency_key(
    conn: &Connection,
    wallet: WalletId,
    key: &str,
) -> Result<Option<TxRecord>, StoreError> {
    Ok(load_tx(
        conn,
        &format!(
            "SELECT {TX_COLS} FROM transactions WHERE wallet_id = ?1 AND idempotency_key = ?2"
        ),
        &[&wallet.to_string(), &key],
    )?
    .pop())
}

pub(super) fn insert_tx(conn: &Connection, r: &TxRecord) -> Result<(), StoreError> {
    conn.prepare_cached(&format!(
        "INSERT INTO transactions ({TX_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)"
    ))
    .and_then(|mut s| {
        s.execute(params![
            r.id.to_string(),
            r.wallet_id.to_string(),
            r.session_id.map(|s| s.to_string()),
            r.network.as_str(),
            r.kind,
            r.status.as_str(),
            r.tier.map(|t| t.as_str()),
            r.request,
            r.decision,
            r.idempotency_key,
            r.owner_nonce,
            r.result,
            r.error_code,
            r.error_message,
            r.execute_after,
            r.expires_at,
            r.created_at,
            r.updated_at
        ])
    })
    .map_err(db_err("insert transaction"))?;
    Ok(())
}

#[expect(
    clippy::too_many_arguments,
    reason = "one atomic operation, its inputs"
)]
pub(super) fn admit_transaction(
    store: &SqliteStore,
    record: &TxRecord,
    request: &PolicyRequest,
    prices: &PriceBook,
    now: i64,
    engine: &dyn PolicyEngine,
    rules: &PlacementRules,
    sign: &dyn Fn() -> SignOutcome,
    audit: &AuditEntry,
) -> Result<Admission, StoreError> {
    let key = store.audit_key()?;
    store.write("admit transaction", |conn| {
        operations::admit(
            &mut SqliteRows::new(store, conn, Some(&key)),
            record,
            request,
            prices,
            now,
            engine,
            rules,
            sign,
            audit,
        )
    })
}

pub(super) fn transition_transaction(
    store: &SqliteStore,
    id: TxId,
    change: &TxTransition,
    now: i64,
    audit: &AuditEntry,
) -> Result<Option<TxRecord>, StoreError> {
    let key = store.audit_key()?;
    store.write("transition transaction", |conn| {
        operations::transition(
            &mut SqliteRows::new(store, conn, Some(&key)),
            id,
            change,
            now,
            audit,
        )
    })
}

pub(super) fn claim_transaction(
    store: &SqliteStore,
    id: TxId,
    change: &TxTransition,
    check: &ExecutionCheck<'_>,
    now: i64,
    audit: &AuditEntry,
) -> Result<Claim, StoreError> {
    let key = store.audit_key()?;
    store.write("claim transaction", |conn| {
        operations::claim(
            &mut SqliteRows::new(store, conn, Some(&key)),
            id,
            change,
            check,
            now,
            audit,
        )
    })
}

pub(super) fn transaction(store: &SqliteStore, id: TxId) -> Result<Option<TxRecord>, StoreError> {
    tx_by_id(&*store.reader()?, id)
}

pub(super) fn transactions(
    store: &SqliteStore,
    filter: &TxFilter,
) -> Result<Vec<TxRecord>, StoreError> {
    let wallet = filter.wallet_id.map(|w| w.to_string());
    let sql = listing_sql(&filter.statuses);
    if filter.limit == 0 {
        load_tx(&*store.reader()?, &sql, &[&wallet])
    } else {
        load_tx(
            &*store.reader()?,
            &format!("{sql} LIMIT ?2"),
            &[&wallet, &filter.limit],
        )
    }
}

/// Rows of wallet `?1` (any wallet when NULL) in `statuses` (any when empty), newest
/// first. Portable SQL: the status names are our own constants, listed inline.
fn listing_sql(statuses: &[TxStatus]) -> String {
    let statuses = if statuses.is_empty() {
        String::new()
    } else {
        let names: Vec<String> = statuses
            .iter()
            .map(|s| format!("'{}'", s.as_str()))
            .collect();
        // In-flight statuses only (recovery, the cancellations): through the index.
        let in_flight = if statuses.iter().all(|s| admission::IN_FLIGHT.contains(s)) {
            format!(" AND {}", *IN_FLIGHT_TERM)
        } else {
            String::new()
        };
        format!(" AND status IN ({}){in_flight}", names.join(", "))
    };
    format!(
        "SELECT {TX_COLS} FROM transactions WHERE (?1 IS NULL OR wallet_id = ?1){statuses}
         ORDER BY created_at DESC, id DESC"
    )
}

/// QUEUED rows whose delay is over and PENDING_APPROVAL rows whose window closed, at
/// `?1`: through the partial index.
static DUE_SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "SELECT {TX_COLS} FROM transactions WHERE {} AND
         ((status = 'QUEUED' AND execute_after <= ?1)
            OR (status = 'PENDING_APPROVAL' AND expires_at <= ?1))
         ORDER BY created_at, id",
        *IN_FLIGHT_TERM
    )
});

pub(super) fn due_transactions(store: &SqliteStore, now: i64) -> Result<Vec<TxRecord>, StoreError> {
    load_tx(&*store.reader()?, &DUE_SQL, &[&now])
}

pub(super) fn wallet_activity(
    store: &SqliteStore,
    wallet: WalletId,
    since: i64,
    max_sends: u64,
    max_failures: u64,
) -> Result<(u64, u64), StoreError> {
    if max_sends == 0 && max_failures == 0 {
        return Ok((0, 0));
    }
    let conn = store.reader()?;
    let w = wallet.to_string();
    let as_usize = |cap: u64| usize::try_from(cap).unwrap_or(usize::MAX);
    // Both walk the (wallet_id, created_at) index and read at most their cap, lazily.
    let mut sends = 0usize;
    if max_sends > 0 {
        let mut stmt = conn
            .prepare_cached(
                "SELECT 1 FROM transactions WHERE wallet_id = ?1 AND created_at >= ?2
                 AND COALESCE(error_code, '') != 'POLICY_DENIED'",
            )
            .map_err(db_err("count sends"))?;
        let mut rows = stmt
            .query(params![w, since])
            .map_err(db_err("count sends"))?;
        while sends < as_usize(max_sends) && rows.next().map_err(db_err("count sends"))?.is_some() {
            sends = sends.saturating_add(1);
        }
    }
    let mut failures = 0;
    if max_failures > 0 {
        // Newest finished executions first; count FAILED until the first success.
        let mut stmt = conn
            .prepare_cached(
                "SELECT status FROM transactions WHERE wallet_id = ?1
                 AND status IN ('SIGNED', 'SUBMITTED', 'CONFIRMED', 'FAILED')
                 AND COALESCE(error_code, '') != 'POLICY_DENIED'
                 ORDER BY created_at DESC, id DESC",
            )
            .map_err(db_err("count failures"))?;
        let statuses = stmt
            .query_map(params![w], |r| r.get::<_, String>(0))
            .map_err(db_err("count failures"))?
            .take(as_usize(max_failures));
        // Read lazily: the count stops at the first execution that did not fail.
        let mut read_error = None;
        let failed = statuses.map_while(|s| match s {
            Ok(s) => Some(s == TxStatus::Failed.as_str()),
            Err(e) => {
                read_error = Some(e);
                None
            }
        });
        failures = admission::consecutive_failures(failed);
        if let Some(e) = read_error {
            return Err(db_err("count failures")(e));
        }
    }
    Ok((u64::try_from(sends).unwrap_or(u64::MAX), failures))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sqlite::StoreOptions;
    use waiaas_core::ErrorCode;
    use waiaas_core::audit::Actor;
    use waiaas_core::chain::{Chain, Network};
    use waiaas_core::policy::{Decision, PolicyInput, PolicyRecord, RequestBody, Spend};
    use waiaas_core::settings::SETTINGS_KEY;
    use waiaas_core::store::{
        OwnerRecord, OwnerState, PipelineStore, SealedBox, Store, WalletRecord,
    };
    use waiaas_core::tier::Tier;

    /// Allows everything at its tier, counting 1 unit of `native` in a daily window;
    /// at APPROVAL placement alone decides the status.
    #[derive(Debug)]
    struct AllowAt(Tier);

    impl PolicyEngine for AllowAt {
        fn windows(&self, _: &PolicyRequest, _: &[PolicyRecord]) -> Vec<u64> {
            vec![86_400]
        }

        fn evaluate(&self, _: &PolicyInput<'_>) -> Decision {
            Decision {
                allowed: true,
                tier: self.0,
                delay_seconds: None,
                approval_timeout: None,
                reasons: Vec::new(),
                warnings: Vec::new(),
                approval_reason: None,
                spend: Spend {
                    assets: [("native".to_owned(), waiaas_core::Amount::from_u64(1))].into(),
                    ..Spend::default()
                },
            }
        }
    }

    const NOW: i64 = 1_800_000_000;

    fn admit(store: &SqliteStore, wallet: WalletId, tier: Tier) -> Result<TxRecord, StoreError> {
        let id = TxId::new();
        let record = TxRecord {
            id,
            wallet_id: wallet,
            session_id: None,
            network: Network::SolanaDevnet,
            kind: "TRANSFER".to_owned(),
            status: TxStatus::Pending,
            tier: None,
            request: "{}".to_owned(),
            decision: None,
            idempotency_key: None,
            owner_nonce: "n".to_owned(),
            result: None,
            error_code: None,
            error_message: None,
            execute_after: None,
            expires_at: None,
            created_at: NOW,
            updated_at: NOW,
        };
        let request = PolicyRequest {
            request_id: id,
            wallet_id: wallet,
            network: Network::SolanaDevnet,
            body: RequestBody::Transfer {
                to: "x".to_owned(),
                amount: waiaas_core::Amount::from_u64(1),
            },
            permissions: Vec::new(),
            action: None,
            claimed_action: None,
            fee: None,
        };
        let rules = PlacementRules {
            network: Network::SolanaDevnet,
            wallet_id: wallet,
            wallet_address: "a".to_owned(),
            max_fee: None,
            durable_nonce: None,
            needs_owner: false,
        };
        let sign = || SignOutcome::Signed {
            result: "{}".to_owned(),
            tx_hash: None,
        };
        let audit = AuditEntry::new(NOW, &Actor::System, "TX_REQUESTED");
        match store.admit_transaction(
            &record,
            &request,
            &PriceBook::default(),
            NOW,
            &AllowAt(tier),
            &rules,
            &sign,
            &audit,
        )? {
            Admission::Decided { record, .. } => Ok(record),
            other => panic!("{other:?}"),
        }
    }

    /// A keyed store (in a temporary directory) holding one ACTIVE wallet; no
    /// background checkpointer, so a test can count the WAL's frames.
    fn store_with_wallet() -> (tempfile::TempDir, SqliteStore, WalletId) {
        let dir = tempfile::tempdir().unwrap();
        let options = StoreOptions {
            checkpoint_interval: None,
            ..StoreOptions::default()
        };
        let store = SqliteStore::open(dir.path().join("db"), &options).unwrap();
        store
            .set_audit_key(
                waiaas_core::audit::AuditKey::from_bytes(waiaas_core::audit::Zeroizing::new(
                    [1; 32],
                )),
                0,
                None,
            )
            .unwrap();
        let wallet = WalletId::new();
        store
            .insert_wallet(
                &WalletRecord {
                    id: wallet,
                    name: "w".to_owned(),
                    chain: Chain::Solana,
                    network: Network::SolanaDevnet,
                    address: "a".to_owned(),
                    public_key: vec![0; 32],
                    secret: SealedBox {
                        nonce: vec![0; 24],
                        ciphertext: vec![0; 48],
                    },
                    secret_format: 1,
                    status: WalletStatus::Active,
                    created_at: NOW,
                    updated_at: NOW,
                },
                &AuditEntry::new(NOW, &Actor::Operator, "TEST"),
            )
            .unwrap();
        (dir, store, wallet)
    }

    /// The pages one INSTANT admission writes (its commit's WAL frames), once the
    /// b-trees have their first pages: the transaction row and its two indexes (its
    /// id, wallet-time — not the status index, which keeps in-flight rows only: 10
    /// pages before migration 0006), the ledger row and its two indexes (request id,
    /// wallet-time), the wallet's window row, the audit entries' page and the audit
    /// head. Each page more is a 4 KiB write per send: a new index or table on this
    /// path must show up here.
    #[test]
    fn an_instant_admission_writes_nine_pages() {
        let (dir, store, wallet) = store_with_wallet();
        let conn = rusqlite::Connection::open(dir.path().join("db")).unwrap();
        // (busy, frames in the WAL, frames checkpointed)
        let checkpoint = |mode: &str| -> (i64, i64, i64) {
            conn.query_row(&format!("PRAGMA wal_checkpoint({mode})"), [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .unwrap()
        };
        for _ in 0..3 {
            assert_eq!(
                admit(&store, wallet, Tier::Instant).unwrap().status,
                TxStatus::Signed
            );
        }
        let mut frames = Vec::new();
        for _ in 0..5 {
            assert_eq!(checkpoint("TRUNCATE").0, 0, "nothing reads during the test");
            admit(&store, wallet, Tier::Instant).unwrap();
            frames.push(checkpoint("PASSIVE").1);
        }
        assert_eq!(frames, [9; 5]);
    }

    /// The reads of in-flight rows (cancellations, recovery, due rows) walk the partial
    /// index of migration 0006, as they name its very term: they cost the rows in
    /// flight, not the history.
    #[test]
    fn in_flight_reads_walk_the_partial_status_index() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path().join("db"), &StoreOptions::default()).unwrap();
        let conn = store.reader().unwrap();
        let plan = |sql: &str| -> String {
            let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
            let unbound = vec![rusqlite::types::Null; stmt.parameter_count()];
            let details: Vec<String> = stmt
                .query_map(rusqlite::params_from_iter(unbound), |r| r.get(3))
                .unwrap()
                .map(Result::unwrap)
                .collect();
            details.join("; ")
        };
        let mut reads = vec![
            DUE_SQL.clone(),
            listing_sql(&[TxStatus::Executing]),
            listing_sql(&admission::IN_FLIGHT),
        ];
        for scope in [
            CancelScope::Session(SessionId::new()),
            CancelScope::RevokedSessions,
            CancelScope::Wallet(WalletId::new()),
            CancelScope::All,
        ] {
            reads.push(in_flight_sql(scope));
        }
        for sql in reads {
            let plan = plan(&sql);
            assert!(
                plan.contains("INDEX transactions_status_due"),
                "{sql}\n{plan}"
            );
        }
        // Final statuses are not in that index.
        let signed = plan(&listing_sql(&[TxStatus::Signed]));
        assert!(!signed.contains("transactions_status_due"), "{signed}");
    }

    /// Placement sees only what the admission transaction read: an owner (and a
    /// setting) written by any transaction that committed before it.
    #[test]
    fn placement_reads_the_owner_and_settings_inside_the_admission_transaction() {
        let (_dir, store, wallet) = store_with_wallet();
        let audit = AuditEntry::new(NOW, &Actor::Operator, "TEST");
        let queued = admit(&store, wallet, Tier::Approval).unwrap();
        assert_eq!(
            queued.status,
            TxStatus::Queued,
            "no owner: APPROVAL waits a DELAY"
        );
        assert_eq!(queued.execute_after, Some(NOW + 900));
        let owner = OwnerRecord {
            wallet_id: wallet,
            address: "owner".to_owned(),
            state: OwnerState::Grace,
            challenge: "c".to_owned(),
            updated_at: NOW,
        };
        assert!(
            store
                .set_owner(wallet, Some(&owner), &[OwnerState::None], &audit)
                .unwrap()
        );
        store
            .set_setting(SETTINGS_KEY, "{\"approvalTimeoutSecs\":120}", NOW, &audit)
            .unwrap();
        let pending = admit(&store, wallet, Tier::Approval).unwrap();
        assert_eq!(pending.status, TxStatus::PendingApproval);
        assert_eq!(pending.expires_at, Some(NOW + 120));
        // Settings that no longer parse fail closed: nothing stored.
        store
            .set_setting(SETTINGS_KEY, "{\"approvalTimeoutSecs\":\"x\"}", NOW, &audit)
            .unwrap();
        let before = store.transactions(&TxFilter::default()).unwrap().len();
        assert_eq!(
            admit(&store, wallet, Tier::Approval).unwrap_err().code(),
            "STORAGE_ERROR"
        );
        assert_eq!(
            store.transactions(&TxFilter::default()).unwrap().len(),
            before
        );
    }
}
