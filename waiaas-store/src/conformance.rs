//! The conformance suite every store backend must pass (feature `conformance`).
//!
//! A backend's test crate implements [`Harness`] (a fresh, empty store, and more handles
//! on it, as other processes would open) and calls
//! [`store_conformance!`](crate::store_conformance) once:
//!
//! ```ignore
//! struct Sqlite(tempfile::TempDir);
//! impl waiaas_store::conformance::Harness for Sqlite { /* … */ }
//! waiaas_store::store_conformance!(|| Sqlite(tempfile::tempdir().unwrap()));
//! ```
//!
//! Each check is a plain function over the store traits (no backend type), so it proves
//! the contract — atomicity, compare-and-swap, cascades, windows, audit chaining,
//! idempotency and the per-wallet serialization of admission — not one implementation.
//! The checks panic on failure (they are test code).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    missing_docs,
    reason = "test code run by backends' test crates: a panic is a test failure"
)]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use waiaas_core::audit::{Actor, AuditEntry, AuditKey, Zeroizing};
use waiaas_core::chain::{Chain, Network};
use waiaas_core::ids::{PolicyId, SessionId, TxId, WalletId};
use waiaas_core::policy::{
    Decision, LedgerSnapshot, PolicyEngine, PolicyFilter, PolicyInput, PolicyRecord, PolicyRequest,
    PolicyType, PriceBook, RequestBody, Spend,
};
use waiaas_core::session::{CreateSession, Permission, SessionConfig, SessionIssuer};
use waiaas_core::settings::{SETTINGS_KEY, Settings};
use waiaas_core::store::{
    Admission, AdmissionGate, ApprovalLinkRecord, Backend, ChannelRecord, Claim, DurableNonceUse,
    ExecutionCheck, KillSwitchState, LedgerEffect, LinkRedemption, LinkedSession, PlacementRefusal,
    PlacementRules, RenewalCas, SealedBox, SessionAccess, SessionInsert, SessionRecord,
    SignOutcome, Store, TxRecord, TxTransition, WalletRecord, WalletStatus,
};
use waiaas_core::tier::{Tier, TxStatus};
use waiaas_core::vault::{KdfParams, Vault, VaultOptions};
use waiaas_core::{Amount, ErrorCode, SecretString};

/// A backend under test.
pub trait Harness: Send + Sync {
    /// A new handle on this harness's store (its own connection, as another process
    /// would open it). The store starts empty.
    fn handle(&self) -> Arc<dyn Backend>;
    /// Edits the stored details of audit record `seq` behind the store's back (as
    /// someone with write access to the storage could), without fixing any hash.
    fn tamper_audit_details(&self, seq: u64);
}

/// Runs every check of the suite as its own `#[test]`, each on a fresh store made by
/// `$fresh` (an expression callable as `Fn() -> impl Harness`). With `optional:`,
/// `$fresh` returns `Option<impl Harness>` and a check with `None` passes without
/// running: for a backend whose server a developer's machine may not have (its
/// harness must refuse `None` in CI).
#[macro_export]
macro_rules! store_conformance {
    (optional: $fresh:expr) => {
        $crate::store_conformance!(@list optional $fresh);
    };
    ($fresh:expr) => {
        $crate::store_conformance!(@list required $fresh);
    };
    (@list $mode:ident $fresh:expr) => {
        $crate::store_conformance!(@tests $mode $fresh;
            vault_header_compare_and_swap,
            audited_writes_fail_closed_without_the_audit_key,
            unlock_attempts_are_shared_by_every_handle,
            time_mark_never_goes_back,
            wallets_round_trip_and_report_absence,
            sessions_cap_renew_compare_and_swap_and_revoke,
            a_session_over_many_wallets_checks_one_link_by_index,
            settings_overwrite,
            policies_round_trip_with_revisions,
            admission_places_and_idempotency_keys_return_the_first_row,
            admission_gates_refuse_without_storing,
            placement_follows_the_tier_and_the_settings_read_inside_admission,
            placement_refusals_are_data_and_release_the_reservation,
            a_settings_change_before_admission_is_honoured_and_a_corrupt_row_fails_closed,
            transitions_are_compare_and_swap,
            claims_recheck_gates_and_rejudge_with_the_policies_in_force,
            cascades_cancel_in_flight_rows_and_release_them,
            windows_count_in_flight_and_roll_daily_and_monthly,
            released_spend_leaves_the_windows_and_committed_spend_stays,
            simulate_is_a_dry_run,
            audit_log_chains_and_verification_detects_tampering,
            concurrent_admissions_on_one_wallet_never_overshoot,
            notify_channels_round_trip_and_count_deliveries,
            approval_links_open_once_for_their_transaction_until_they_expire,
        );
    };
    (@tests required $fresh:expr; $($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                let harness = ($fresh)();
                $crate::conformance::$name(&harness);
            }
        )*
    };
    (@tests optional $fresh:expr; $($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                if let Some(harness) = ($fresh)() {
                    $crate::conformance::$name(&harness);
                }
            }
        )*
    };
}

/// Start of every scenario (Unix seconds).
pub const T0: i64 = 1_800_000_000;
const DAY: u64 = 86_400;
const MONTH: u64 = 2_592_000;

/// The audit key every scenario installs.
pub fn key() -> AuditKey {
    AuditKey::from_bytes(Zeroizing::new([7; 32]))
}

/// An operator audit entry at `at`.
pub fn audit(at: i64, event: &str) -> AuditEntry {
    AuditEntry::new(at, &Actor::Operator, event)
}

/// A handle with the audit key installed (as an unlocked vault would).
fn keyed(h: &dyn Harness) -> Arc<dyn Backend> {
    let s = h.handle();
    s.set_audit_key(key(), T0, None).unwrap();
    s
}

/// A Solana devnet wallet row with placeholder sealed bytes.
pub fn wallet_record(id: WalletId, name: &str) -> WalletRecord {
    WalletRecord {
        id,
        name: name.to_owned(),
        chain: Chain::Solana,
        network: Network::SolanaDevnet,
        address: format!("addr-{id}"),
        public_key: vec![1; 32],
        secret: SealedBox {
            nonce: vec![2; 24],
            ciphertext: vec![3; 48],
        },
        secret_format: 1,
        status: WalletStatus::Active,
        created_at: T0,
        updated_at: T0,
    }
}

fn new_wallet(s: &dyn Backend) -> WalletId {
    let id = WalletId::new();
    s.insert_wallet(&wallet_record(id, "w"), &audit(T0, "WALLET_CREATED"))
        .unwrap();
    id
}

fn session_record() -> SessionRecord {
    SessionRecord {
        id: SessionId::new(),
        created_at: T0,
        ttl_seconds: Some(3600),
        max_renewals: 0,
        absolute_lifetime_seconds: 0,
        permissions: vec![Permission::Transaction],
        token_generation: 1,
        token_issued_at: T0,
        expires_at: Some(T0 + 3600),
        renewal_count: 0,
        revoked_at: None,
        label: None,
    }
}

/// Allows every transfer at INSTANT, counting one unit of asset `X` in a daily window:
/// the least engine that still has the store keep a window (the fleet tests and the
/// fleet benchmark, where the store's share is what is measured).
#[derive(Debug)]
pub struct InstantDaily;

impl PolicyEngine for InstantDaily {
    fn windows(&self, _: &PolicyRequest, _: &[PolicyRecord]) -> Vec<u64> {
        vec![86_400]
    }

    fn evaluate(&self, _: &PolicyInput<'_>) -> Decision {
        let mut assets = BTreeMap::new();
        assets.insert("X".to_owned(), Amount::from_u64(1));
        Decision {
            allowed: true,
            tier: Tier::Instant,
            delay_seconds: None,
            approval_timeout: None,
            reasons: Vec::new(),
            warnings: Vec::new(),
            approval_reason: None,
            spend: Spend {
                assets,
                ..Spend::default()
            },
        }
    }
}

/// Allows a transfer while the wallet's total of asset `X` in `window` (plus what is in
/// flight, when `count_in_flight`) stays within `cap`; records every snapshot it saw.
#[derive(Debug)]
pub struct CapEngine {
    window: Vec<u64>,
    cap: u64,
    tier: Tier,
    count_in_flight: bool,
    seen: Mutex<Vec<LedgerSnapshot>>,
}

impl CapEngine {
    fn new(windows: &[u64], cap: u64, tier: Tier) -> Self {
        Self {
            window: windows.to_vec(),
            cap,
            tier,
            count_in_flight: false,
            seen: Mutex::new(Vec::new()),
        }
    }

    fn last(&self) -> LedgerSnapshot {
        self.seen.lock().unwrap().last().cloned().unwrap()
    }
}

fn spent(totals: Option<&waiaas_core::policy::WindowTotals>) -> u64 {
    totals
        .and_then(|t| t.assets.get("X"))
        .and_then(Amount::to_u64)
        .unwrap_or(0)
}

impl PolicyEngine for CapEngine {
    fn windows(&self, _: &PolicyRequest, _: &[PolicyRecord]) -> Vec<u64> {
        self.window.clone()
    }

    fn evaluate(&self, input: &PolicyInput<'_>) -> Decision {
        self.seen.lock().unwrap().push(input.ledger.clone());
        let amount = match &input.request.body {
            RequestBody::Transfer { amount, .. } => amount.to_u64().unwrap(),
            _ => 0,
        };
        let mut used = self
            .window
            .iter()
            .map(|w| spent(input.ledger.windows.get(w)))
            .max()
            .unwrap_or(0);
        if self.count_in_flight {
            used = used.max(spent(input.ledger.in_flight.as_ref()));
        }
        let allowed = used + amount <= self.cap;
        let mut assets = BTreeMap::new();
        assets.insert("X".to_owned(), Amount::from_u64(amount));
        Decision {
            allowed,
            tier: if allowed { self.tier } else { Tier::Approval },
            delay_seconds: None,
            approval_timeout: None,
            reasons: if allowed {
                Vec::new()
            } else {
                vec![waiaas_core::policy::Reason {
                    policy_id: None,
                    policy_type: None,
                    code: "CAP".to_owned(),
                    message: "over the cap".to_owned(),
                    instruction: None,
                }]
            },
            warnings: Vec::new(),
            approval_reason: None,
            spend: Spend {
                assets,
                ..Spend::default()
            },
        }
    }
}

/// A transfer of `amount` of asset `X` from `wallet`, request id `id`.
pub fn request(wallet: WalletId, id: TxId, amount: u64) -> PolicyRequest {
    PolicyRequest {
        request_id: id,
        wallet_id: wallet,
        network: Network::SolanaDevnet,
        body: RequestBody::Transfer {
            to: "to".to_owned(),
            amount: Amount::from_u64(amount),
        },
        permissions: Vec::new(),
        action: None,
        claimed_action: None,
        fee: None,
    }
}

/// The PENDING row admission stores for request `id`.
pub fn tx_record(
    wallet: WalletId,
    id: TxId,
    session: Option<SessionId>,
    key: Option<&str>,
) -> TxRecord {
    TxRecord {
        id,
        wallet_id: wallet,
        session_id: session,
        network: Network::SolanaDevnet,
        kind: "TRANSFER".to_owned(),
        status: TxStatus::Pending,
        tier: None,
        request: "{}".to_owned(),
        decision: None,
        idempotency_key: key.map(str::to_owned),
        owner_nonce: format!("nonce-{id}"),
        result: None,
        error_code: None,
        error_message: None,
        execute_after: None,
        expires_at: None,
        created_at: T0,
        updated_at: T0,
    }
}

/// Placement data of a plain transfer from `wallet`: no fee bound, no durable nonce,
/// no owner needed.
/// Placement data of a plain transfer (no fee, no durable nonce, no owner needed).
pub fn plain_rules(wallet: WalletId) -> PlacementRules {
    PlacementRules {
        network: Network::SolanaDevnet,
        wallet_id: wallet,
        wallet_address: format!("addr-{wallet}"),
        max_fee: None,
        durable_nonce: None,
        needs_owner: false,
    }
}

/// One admission of a plain transfer, placed by the rule from the engine's tier
/// (EXECUTING signs at once); denied ones FAILED `POLICY_DENIED`.
pub fn admit(
    s: &dyn Backend,
    engine: &dyn PolicyEngine,
    wallet: WalletId,
    session: Option<SessionId>,
    amount: u64,
    now: i64,
    idempotency_key: Option<&str>,
) -> Admission {
    admit_placed(
        s,
        engine,
        wallet,
        session,
        amount,
        now,
        idempotency_key,
        &plain_rules(wallet),
    )
    .unwrap()
}

/// One admission with the caller's placement data.
#[allow(clippy::too_many_arguments, reason = "test helper")]
fn admit_placed(
    s: &dyn Backend,
    engine: &dyn PolicyEngine,
    wallet: WalletId,
    session: Option<SessionId>,
    amount: u64,
    now: i64,
    idempotency_key: Option<&str>,
    rules: &PlacementRules,
) -> Result<Admission, waiaas_core::StoreError> {
    let id = TxId::new();
    let sign = || SignOutcome::Signed {
        result: "{\"signed\":true}".to_owned(),
        tx_hash: Some("h".to_owned()),
    };
    s.admit_transaction(
        &tx_record(wallet, id, session, idempotency_key),
        &request(wallet, id, amount),
        &PriceBook::default(),
        now,
        engine,
        rules,
        &sign,
        &audit(now, "TX_REQUESTED"),
    )
}

/// Registers an owner for `wallet` (as the facade's owner connection would).
fn register_owner(s: &dyn Backend, wallet: WalletId) {
    let owner = waiaas_core::store::OwnerRecord {
        wallet_id: wallet,
        address: "owner".to_owned(),
        state: waiaas_core::store::OwnerState::Grace,
        challenge: "c".to_owned(),
        updated_at: T0,
    };
    assert!(
        s.set_owner(
            wallet,
            Some(&owner),
            &[waiaas_core::store::OwnerState::None],
            &audit(T0, "OWNER_SET")
        )
        .unwrap()
    );
}

fn decided(a: Admission) -> (Decision, TxRecord) {
    match a {
        Admission::Decided {
            decision,
            record,
            refusal: None,
        } => (decision, record),
        other => panic!("expected a decision, got {other:?}"),
    }
}

/// The vault header is created once and replaced only by compare-and-swap.
pub fn vault_header_compare_and_swap(h: &dyn Harness) {
    let s = keyed(h);
    assert_eq!(s.vault_header().unwrap(), None);
    assert!(
        s.create_vault_header("h1", T0, &audit(T0, "VAULT_CREATED"))
            .unwrap()
    );
    assert!(
        !s.create_vault_header("h2", T0, &audit(T0, "VAULT_CREATED"))
            .unwrap()
    );
    assert!(
        !s.replace_vault_header("stale", "h3", T0, &audit(T0, "X"))
            .unwrap()
    );
    assert_eq!(s.vault_header().unwrap().as_deref(), Some("h1"));
    let other = keyed(h);
    assert!(
        other
            .replace_vault_header("h1", "h2", T0, &audit(T0, "X"))
            .unwrap()
    );
    assert!(
        !s.replace_vault_header("h1", "h3", T0, &audit(T0, "X"))
            .unwrap()
    );
    assert_eq!(s.vault_header().unwrap().as_deref(), Some("h2"));
}

/// Without the audit key an audited write fails `VAULT_LOCKED` and writes nothing.
pub fn audited_writes_fail_closed_without_the_audit_key(h: &dyn Harness) {
    let s = h.handle();
    let err = s
        .create_vault_header("h", T0, &audit(T0, "VAULT_CREATED"))
        .unwrap_err();
    assert_eq!(err.code(), "VAULT_LOCKED");
    let err = s
        .insert_wallet(&wallet_record(WalletId::new(), "w"), &audit(T0, "W"))
        .unwrap_err();
    assert_eq!(err.code(), "VAULT_LOCKED");
    assert_eq!(s.vault_header().unwrap(), None);
    assert!(s.wallets().unwrap().is_empty());
    s.set_audit_key(key(), T0, None).unwrap();
    assert!(
        s.create_vault_header("h", T0, &audit(T0, "VAULT_CREATED"))
            .unwrap()
    );
    s.clear_audit_key();
    assert_eq!(
        s.set_setting("k", "v", T0, &audit(T0, "S"))
            .unwrap_err()
            .code(),
        "VAULT_LOCKED"
    );
    assert_eq!(s.setting("k").unwrap(), None);
}

/// Failed unlocks are counted for every handle (every process) and cleared together.
pub fn unlock_attempts_are_shared_by_every_handle(h: &dyn Harness) {
    let a = h.handle();
    let b = h.handle();
    assert_eq!(a.unlock_attempts().unwrap().failures, 0);
    a.record_unlock_failure(T0).unwrap();
    let after = b.record_unlock_failure(T0 + 5).unwrap();
    assert_eq!(after.failures, 2);
    assert_eq!(after.last_failure_at, Some(T0 + 5));
    assert_eq!(a.unlock_attempts().unwrap().failures, 2);
    b.clear_unlock_failures().unwrap();
    assert_eq!(a.unlock_attempts().unwrap().failures, 0);
}

/// The time high-water mark only moves forward, for every handle.
pub fn time_mark_never_goes_back(h: &dyn Harness) {
    let a = h.handle();
    assert_eq!(a.monotonic_now(T0).unwrap(), T0);
    assert_eq!(a.monotonic_now(T0 - 100).unwrap(), T0);
    assert_eq!(h.handle().monotonic_now(T0 - 1).unwrap(), T0);
    assert_eq!(a.monotonic_now(T0 + 9).unwrap(), T0 + 9);
    // The token check reads the mark, never moves it; the reads a request is prepared
    // with move it as `monotonic_now` does.
    let mark = |s: &Arc<dyn Backend>| s.session_check("", None, None).unwrap().mark;
    assert_eq!(mark(&a), T0 + 9);
    let reads = |s: &Arc<dyn Backend>, clock_now| s.request_reads(WalletId::new(), clock_now);
    assert_eq!(reads(&a, T0 + 5).unwrap().now, T0 + 9);
    assert_eq!(mark(&h.handle()), T0 + 9);
    assert_eq!(reads(&a, T0 + 30).unwrap().now, T0 + 30);
    assert_eq!(reads(&h.handle(), T0).unwrap().now, T0 + 30);
    assert_eq!(mark(&h.handle()), T0 + 30);
    assert_eq!(a.monotonic_now(T0 + 19).unwrap(), T0 + 30);
}

/// Wallet rows round-trip; updates of absent rows report `false`.
pub fn wallets_round_trip_and_report_absence(h: &dyn Harness) {
    let s = keyed(h);
    let first = wallet_record(WalletId::new(), "first");
    let second = WalletRecord {
        created_at: T0 + 1,
        ..wallet_record(WalletId::new(), "second")
    };
    s.insert_wallet(&second, &audit(T0, "W")).unwrap();
    s.insert_wallet(&first, &audit(T0, "W")).unwrap();
    assert_eq!(s.wallet(first.id).unwrap().as_ref(), Some(&first));
    // A request's reads: its wallet, and the settings as stored.
    let reads = s.request_reads(first.id, T0).unwrap();
    assert_eq!(
        (reads.wallet.as_ref(), reads.settings),
        (Some(&first), None)
    );
    s.set_setting(SETTINGS_KEY, "{}", T0, &audit(T0, "S"))
        .unwrap();
    let reads = h.handle().request_reads(second.id, T0).unwrap();
    assert_eq!(reads.wallet, Some(second.clone()));
    assert_eq!(reads.settings.as_deref(), Some("{}"));
    assert_eq!(s.request_reads(WalletId::new(), T0).unwrap().wallet, None);
    let ids: Vec<_> = s.wallets().unwrap().iter().map(|w| w.id).collect();
    assert_eq!(ids, vec![first.id, second.id], "oldest first");
    assert!(
        s.rename_wallet(first.id, "renamed", T0 + 2, &audit(T0, "W"))
            .unwrap()
    );
    assert_eq!(s.wallet(first.id).unwrap().unwrap().name, "renamed");
    let absent = WalletId::new();
    assert!(!s.rename_wallet(absent, "x", T0, &audit(T0, "W")).unwrap());
    assert!(
        !s.set_wallet_status(absent, WalletStatus::Suspended, T0, &audit(T0, "W"))
            .unwrap()
    );
    assert!(
        s.set_wallet_status(first.id, WalletStatus::Suspended, T0, &audit(T0, "W"))
            .unwrap()
    );
    assert_eq!(
        s.wallet(first.id).unwrap().unwrap().status,
        WalletStatus::Suspended
    );
    assert!(s.delete_wallet(first.id, &audit(T0, "W")).unwrap());
    assert!(!s.delete_wallet(first.id, &audit(T0, "W")).unwrap());
    assert_eq!(s.wallet(first.id).unwrap(), None);
}

/// Session inserts honour the per-wallet cap and unknown wallets; renewal is a
/// compare-and-swap on the generation; revocation happens once.
pub fn sessions_cap_renew_compare_and_swap_and_revoke(h: &dyn Harness) {
    let s = keyed(h);
    let w = new_wallet(s.as_ref());
    let first = session_record();
    assert_eq!(
        s.insert_session(&first, &[w], 1, T0, &audit(T0, "S"))
            .unwrap(),
        SessionInsert::Inserted
    );
    assert_eq!(
        s.insert_session(&session_record(), &[w], 1, T0, &audit(T0, "S"))
            .unwrap(),
        SessionInsert::WalletAtCap(w)
    );
    let ghost = WalletId::new();
    assert_eq!(
        s.insert_session(&session_record(), &[ghost], 5, T0, &audit(T0, "S"))
            .unwrap(),
        SessionInsert::UnknownWallet(ghost)
    );
    assert_eq!(s.session(first.id).unwrap().as_ref(), Some(&first));
    assert_eq!(
        s.sessions(Some(w)).unwrap(),
        vec![LinkedSession {
            record: first.clone(),
            wallet_ids: vec![w]
        }]
    );
    assert_eq!(s.session_wallets(first.id).unwrap(), vec![w]);
    let cas = RenewalCas {
        id: first.id,
        expected_generation: 1,
        expected_renewal_count: 0,
        issued_at: T0 + 10,
        expires_at: T0 + 3610,
    };
    let other = keyed(h);
    assert!(other.renew_session(&cas, &audit(T0, "R")).unwrap());
    assert!(
        !s.renew_session(&cas, &audit(T0, "R")).unwrap(),
        "stale generation"
    );
    let renewed = s.session(first.id).unwrap().unwrap();
    assert_eq!(renewed.token_generation, 2);
    assert_eq!(renewed.renewal_count, 1);
    assert_eq!(renewed.expires_at, Some(T0 + 3610));
    assert!(
        s.revoke_session(first.id, T0 + 20, &audit(T0, "V"))
            .unwrap()
    );
    assert!(
        !s.revoke_session(first.id, T0 + 21, &audit(T0, "V"))
            .unwrap()
    );
    assert_eq!(
        s.session(first.id).unwrap().unwrap().revoked_at,
        Some(T0 + 20)
    );
    let later = RenewalCas {
        expected_generation: 2,
        expected_renewal_count: 1,
        ..cas
    };
    assert!(
        !s.renew_session(&later, &audit(T0, "R")).unwrap(),
        "revoked"
    );
    // A revoked session frees its slot under the cap.
    assert_eq!(
        s.insert_session(&session_record(), &[w], 1, T0, &audit(T0, "S"))
            .unwrap(),
        SessionInsert::Inserted
    );
}

/// Wallets linked to the session of [`a_session_over_many_wallets_checks_one_link_by_index`].
pub const MANY_WALLETS: usize = 300;

/// A session over [`MANY_WALLETS`] wallets: a request checks its one wallet's link by
/// index (linked verifies, unlinked is `WALLET_ACCESS_DENIED`, no wallet named finds no
/// sole wallet), the whole list is read only where it is returned, a deleted wallet's
/// link goes with it, and revocation refuses the token at once on every handle.
pub fn a_session_over_many_wallets_checks_one_link_by_index(h: &dyn Harness) {
    let password = SecretString::from("conformance password");
    let options = || VaultOptions {
        allow_insecure_kdf: true,
        ..VaultOptions::default()
    };
    let store: Arc<dyn Store> = h.handle();
    let vault = Arc::new(
        Vault::create(store, &password, KdfParams::insecure_for_tests(), options()).unwrap(),
    );
    let s = vault.store().clone();
    let issuer = SessionIssuer::new(vault.clone(), SessionConfig::default()).unwrap();
    let mut wallets: Vec<WalletId> = (0..MANY_WALLETS)
        .map(|_| {
            let id = WalletId::new();
            s.insert_wallet(&wallet_record(id, "w"), &audit(T0, "WALLET_CREATED"))
                .unwrap();
            id
        })
        .collect();
    let unlinked = WalletId::new();
    s.insert_wallet(&wallet_record(unlinked, "u"), &audit(T0, "WALLET_CREATED"))
        .unwrap();
    let issued = issuer.create(&CreateSession::new(wallets.clone())).unwrap();
    let (id, token) = (issued.info.id, issued.token.expose().to_owned());
    wallets.sort();
    assert_eq!(issued.info.wallet_ids.len(), MANY_WALLETS);

    // Every request: one link, by index.
    for wallet in [
        wallets[0],
        wallets[MANY_WALLETS / 2],
        wallets[MANY_WALLETS - 1],
    ] {
        let verified = issuer
            .verify_access(&token, wallet, Permission::Transaction)
            .unwrap();
        assert_eq!(verified.session_id, id);
        let access = session_access(&s, id, Some(wallet)).unwrap();
        assert_eq!(access.wallet, Some(wallet));
        assert_eq!(access.record, s.session(id).unwrap().unwrap());
    }
    let denied = issuer.verify_access(&token, unlinked, Permission::Transaction);
    assert_eq!(denied.unwrap_err().code(), "WALLET_ACCESS_DENIED");
    assert_eq!(session_access(&s, id, Some(unlinked)).unwrap().wallet, None);
    // The wallet is checked before the permission.
    let denied = issuer.verify_access(&token, unlinked, Permission::SignMessage);
    assert_eq!(denied.unwrap_err().code(), "WALLET_ACCESS_DENIED");
    let denied = issuer.verify_access(&token, wallets[1], Permission::SignMessage);
    assert_eq!(denied.unwrap_err().code(), "PERMISSION_DENIED");
    // No wallet named: a session of many has no default wallet.
    let (_, sole) = issuer.verify_wallet(&token, None).unwrap();
    assert_eq!(sole, None);
    let denied = issuer.verify_wallet(&token, Some(unlinked));
    assert_eq!(denied.unwrap_err().code(), "WALLET_ACCESS_DENIED");
    assert_eq!(session_access(&s, SessionId::new(), None), None);

    // The list, where an API returns it: sorted, complete.
    assert_eq!(issuer.wallets(&token).unwrap(), wallets);
    assert_eq!(s.session_wallets(id).unwrap(), wallets);
    assert_eq!(issuer.get(id).unwrap().wallet_ids, wallets);
    let listed = s.sessions(Some(wallets[7])).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].wallet_ids, wallets);
    assert_eq!(s.session_wallets(SessionId::new()).unwrap(), Vec::new());

    // A deleted wallet's link goes with it; the rest of the session stays.
    let gone = wallets.remove(3);
    assert!(s.delete_wallet(gone, &audit(T0, "WALLET_DELETED")).unwrap());
    let denied = issuer.verify_access(&token, gone, Permission::Transaction);
    assert_eq!(denied.unwrap_err().code(), "WALLET_ACCESS_DENIED");
    assert_eq!(s.session_wallets(id).unwrap(), wallets);

    // The default wallet is the session's only one; two wallets have none, and deleting
    // one of the two makes the other the default.
    let (a, b) = (wallets[10], wallets[11]);
    let single = issuer.create(&CreateSession::new(vec![a])).unwrap();
    let (_, sole) = issuer.verify_wallet(single.token.expose(), None).unwrap();
    assert_eq!(sole, Some(a));
    let pair = issuer.create(&CreateSession::new(vec![a, b])).unwrap();
    assert_eq!(
        session_access(&s, pair.info.id, None).map(|x| x.wallet),
        Some(None)
    );
    assert!(s.delete_wallet(b, &audit(T0, "WALLET_DELETED")).unwrap());
    let (_, sole) = issuer.verify_wallet(pair.token.expose(), None).unwrap();
    assert_eq!(sole, Some(a));

    // Revocation refuses at once, here and on another handle (another process).
    let other_vault = Arc::new(Vault::unlock(h.handle(), &password, options()).unwrap());
    let other = SessionIssuer::new(other_vault, SessionConfig::default()).unwrap();
    other
        .verify_access(&token, wallets[42], Permission::Transaction)
        .unwrap();
    issuer.revoke(id).unwrap();
    for issuer in [&issuer, &other] {
        let refused = issuer.verify_access(&token, wallets[42], Permission::Transaction);
        assert_eq!(refused.unwrap_err().code(), "SESSION_REVOKED");
        let refused = issuer.verify_wallet(&token, None);
        assert_eq!(refused.unwrap_err().code(), "SESSION_REVOKED");
    }
    let revoked = session_access(&s, id, Some(wallets[42])).unwrap();
    assert!(revoked.record.revoked_at.is_some());
}

/// The session part of [`Store::session_check`]: what a request's token check reads of
/// session `id` and its link to `wallet`. The secret read with it is checked as well:
/// the current one is found by its key id, an unknown key id finds none.
fn session_access(
    s: &Arc<dyn Store>,
    id: SessionId,
    wallet: Option<WalletId>,
) -> Option<SessionAccess> {
    let current = s.current_session_secret().unwrap().unwrap();
    let check = s.session_check(&current.id, Some(id), wallet).unwrap();
    assert_eq!(check.secret, Some(current));
    let unknown_key = s.session_check("unknown", Some(id), wallet).unwrap();
    assert_eq!(unknown_key.secret, None);
    assert_eq!(unknown_key.access, check.access);
    check.access
}

/// Settings overwrite and are seen by every handle.
pub fn settings_overwrite(h: &dyn Harness) {
    let s = keyed(h);
    assert_eq!(s.setting("k").unwrap(), None);
    s.set_setting("k", "1", T0, &audit(T0, "S")).unwrap();
    s.set_setting("k", "2", T0, &audit(T0, "S")).unwrap();
    assert_eq!(h.handle().setting("k").unwrap().as_deref(), Some("2"));
}

/// Policies round-trip; updates bump the revision; filters select by scope.
pub fn policies_round_trip_with_revisions(h: &dyn Harness) {
    let s = keyed(h);
    let w = new_wallet(s.as_ref());
    let global = PolicyRecord {
        id: PolicyId::new(),
        wallet_id: None,
        network: None,
        policy_type: PolicyType::SpendingLimit,
        rules: serde_json::json!({ "instant_max": "10" }),
        priority: 0,
        enabled: true,
        revision: 1,
        created_at: T0,
        updated_at: T0,
    };
    let own = PolicyRecord {
        id: PolicyId::new(),
        wallet_id: Some(w),
        created_at: T0 + 1,
        ..global.clone()
    };
    s.insert_policy(&global, &audit(T0, "P")).unwrap();
    s.insert_policy(&own, &audit(T0, "P")).unwrap();
    assert_eq!(s.policy(global.id).unwrap().as_ref(), Some(&global));
    assert_eq!(s.policies(PolicyFilter::All).unwrap().len(), 2);
    assert_eq!(
        s.policies(PolicyFilter::Global).unwrap(),
        vec![global.clone()]
    );
    assert_eq!(
        s.policies(PolicyFilter::Wallet(w)).unwrap(),
        vec![own.clone()]
    );
    assert_eq!(s.policies(PolicyFilter::ApplicableTo(w)).unwrap().len(), 2);
    assert!(
        s.policies(PolicyFilter::Wallet(WalletId::new()))
            .unwrap()
            .is_empty()
    );
    let updated = s
        .update_policy(
            &PolicyRecord {
                enabled: false,
                updated_at: T0 + 5,
                ..own.clone()
            },
            &audit(T0, "P"),
        )
        .unwrap()
        .unwrap();
    assert_eq!(updated.revision, 2);
    assert!(!updated.enabled);
    assert!(s.delete_policy(own.id, &audit(T0, "P")).unwrap());
    assert!(!s.delete_policy(own.id, &audit(T0, "P")).unwrap());
    assert_eq!(
        s.update_policy(&own, &audit(T0, "P")).unwrap(),
        None,
        "absent"
    );
}

/// Admission stores the placed row; EXECUTING signs inside it; a repeated idempotency
/// key returns the first row and decides nothing.
pub fn admission_places_and_idempotency_keys_return_the_first_row(h: &dyn Harness) {
    let s = keyed(h);
    let w = new_wallet(s.as_ref());
    let engine = CapEngine::new(&[DAY], 100, Tier::Instant);
    let (d, signed) = decided(admit(s.as_ref(), &engine, w, None, 10, T0, Some("k1")));
    assert!(d.allowed);
    assert_eq!(signed.status, TxStatus::Signed);
    assert_eq!(signed.result.as_deref(), Some("{\"signed\":true}"));
    assert_eq!(s.transaction(signed.id).unwrap().as_ref(), Some(&signed));
    let seen = engine.seen.lock().unwrap().len();
    match admit(s.as_ref(), &engine, w, None, 10, T0, Some("k1")) {
        Admission::Duplicate(first) => assert_eq!(first, signed),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        engine.seen.lock().unwrap().len(),
        seen,
        "a duplicate is not decided"
    );
    // The key is per wallet.
    let other_wallet = new_wallet(s.as_ref());
    let (_, row) = decided(admit(
        s.as_ref(),
        &engine,
        other_wallet,
        None,
        10,
        T0,
        Some("k1"),
    ));
    assert_eq!(row.status, TxStatus::Signed);
    // A denial is stored FAILED with nothing reserved.
    let (d, denied) = decided(admit(s.as_ref(), &engine, w, None, 1000, T0, None));
    assert!(!d.allowed);
    assert_eq!(denied.status, TxStatus::Failed);
    assert_eq!(denied.error_code.as_deref(), Some("POLICY_DENIED"));
    let (_, _) = decided(admit(s.as_ref(), &engine, w, None, 1, T0, None));
    assert_eq!(
        spent(engine.last().windows.get(&DAY)),
        10,
        "the denial reserved nothing"
    );
}

/// The kill switch, a suspended wallet, an unknown wallet and a revoked session refuse
/// admission before any decision, storing nothing.
pub fn admission_gates_refuse_without_storing(h: &dyn Harness) {
    let s = keyed(h);
    let w = new_wallet(s.as_ref());
    let engine = CapEngine::new(&[DAY], 100, Tier::Instant);
    let refused = |a: Admission| match a {
        Admission::Refused(g) => g,
        other => panic!("{other:?}"),
    };
    let ghost = WalletId::new();
    assert_eq!(
        refused(admit(s.as_ref(), &engine, ghost, None, 1, T0, None)),
        AdmissionGate::UnknownWallet
    );
    let session = session_record();
    s.insert_session(&session, &[w], 5, T0, &audit(T0, "S"))
        .unwrap();
    s.revoke_session(session.id, T0, &audit(T0, "V")).unwrap();
    assert_eq!(
        refused(admit(s.as_ref(), &engine, w, Some(session.id), 1, T0, None)),
        AdmissionGate::SessionRevoked
    );
    s.set_wallet_status(w, WalletStatus::Suspended, T0, &audit(T0, "W"))
        .unwrap();
    assert_eq!(
        refused(admit(s.as_ref(), &engine, w, None, 1, T0, None)),
        AdmissionGate::Wallet(WalletStatus::Suspended)
    );
    s.set_wallet_status(w, WalletStatus::Active, T0, &audit(T0, "W"))
        .unwrap();
    assert!(
        s.set_kill_switch(
            KillSwitchState::Active,
            KillSwitchState::Suspended,
            None,
            T0,
            &audit(T0, "K")
        )
        .unwrap()
    );
    assert!(
        !s.set_kill_switch(
            KillSwitchState::Active,
            KillSwitchState::Locked,
            None,
            T0,
            &audit(T0, "K")
        )
        .unwrap(),
        "compare-and-swap"
    );
    assert_eq!(s.kill_switch().unwrap(), KillSwitchState::Suspended);
    assert_eq!(
        refused(admit(s.as_ref(), &engine, w, None, 1, T0, None)),
        AdmissionGate::KillSwitch(KillSwitchState::Suspended)
    );
    assert!(
        engine.seen.lock().unwrap().is_empty(),
        "nothing was decided"
    );
    assert!(
        s.transactions(&waiaas_core::store::TxFilter::default())
            .unwrap()
            .is_empty()
    );
}

fn store_settings(s: &dyn Backend, settings: &Settings) {
    s.set_setting(
        SETTINGS_KEY,
        &serde_json::to_string(settings).unwrap(),
        T0,
        &audit(T0, "SETTINGS_CHANGED"),
    )
    .unwrap();
}

fn refused_by(a: Admission) -> (TxRecord, PlacementRefusal) {
    match a {
        Admission::Decided {
            decision,
            record,
            refusal: Some(r),
        } => {
            assert!(decision.allowed, "only an allowed request is refused");
            (record, r)
        }
        other => panic!("expected a placement refusal, got {other:?}"),
    }
}

/// Placement is the rule over the decision's tier, the owner and the settings the
/// admission transaction reads: INSTANT signs, DELAY waits the policy's or the
/// default delay, APPROVAL goes to a registered owner (the approval window from the
/// settings) and — with no owner — waits a DELAY window instead.
pub fn placement_follows_the_tier_and_the_settings_read_inside_admission(h: &dyn Harness) {
    let s = keyed(h);
    let w = new_wallet(s.as_ref());
    let instant = CapEngine::new(&[DAY], 1_000, Tier::Instant);
    let delay = CapEngine::new(&[DAY], 1_000, Tier::Delay);
    let approval = CapEngine::new(&[DAY], 1_000, Tier::Approval);
    let (_, row) = decided(admit(s.as_ref(), &instant, w, None, 1, T0, None));
    assert_eq!(row.status, TxStatus::Signed);
    let (_, row) = decided(admit(s.as_ref(), &delay, w, None, 1, T0, None));
    assert_eq!(row.status, TxStatus::Queued);
    assert_eq!(row.execute_after, Some(T0 + 900), "the default delay");
    let (_, row) = decided(admit(s.as_ref(), &approval, w, None, 1, T0, None));
    assert_eq!(
        row.status,
        TxStatus::Queued,
        "no owner: APPROVAL waits a DELAY"
    );
    assert_eq!((row.execute_after, row.expires_at), (Some(T0 + 900), None));
    // Written by another handle (another process): the next admission reads it.
    let operator = keyed(h);
    store_settings(
        operator.as_ref(),
        &Settings {
            default_delay_secs: 120,
            approval_timeout_secs: 600,
            ..Settings::default()
        },
    );
    let (_, row) = decided(admit(s.as_ref(), &delay, w, None, 1, T0, None));
    assert_eq!(row.execute_after, Some(T0 + 120));
    let (_, row) = decided(admit(s.as_ref(), &approval, w, None, 1, T0, None));
    assert_eq!(
        (row.status, row.execute_after),
        (TxStatus::Queued, Some(T0 + 120))
    );
    register_owner(operator.as_ref(), w);
    let (_, row) = decided(admit(s.as_ref(), &approval, w, None, 1, T0, None));
    assert_eq!(row.status, TxStatus::PendingApproval);
    assert_eq!((row.execute_after, row.expires_at), (None, Some(T0 + 600)));
    // Decided at the time mark: a caller's clock behind it cannot shorten a window.
    s.monotonic_now(T0 + 50).unwrap();
    let (_, row) = decided(admit(s.as_ref(), &delay, w, None, 1, T0, None));
    assert_eq!(row.execute_after, Some(T0 + 50 + 120));
}

/// Each refusal of an allowed request is data (its code and message on the FAILED
/// row, the typed refusal in the answer) and releases the reservation; a denial is
/// never a refusal; what the settings allow places as usual.
pub fn placement_refusals_are_data_and_release_the_reservation(h: &dyn Harness) {
    let s = keyed(h);
    let w = new_wallet(s.as_ref());
    let engine = CapEngine::new(&[DAY], 10, Tier::Approval);
    let address = format!("addr-{w}");
    let nonce = |authority: &str| {
        Some(DurableNonceUse {
            nonce_account: "nonce-account".to_owned(),
            authority: authority.to_owned(),
        })
    };
    let admit_with = |rules: &PlacementRules| {
        admit_placed(s.as_ref(), &engine, w, None, 10, T0, None, rules).unwrap()
    };
    let check = |row: &TxRecord, r: &PlacementRefusal, code: &str| {
        assert_eq!(row.status, TxStatus::Failed);
        assert_eq!(r.code(), code);
        assert_eq!(row.error_code.as_deref(), Some(code));
        assert_eq!(row.error_message, Some(r.message()));
        assert_eq!(s.transaction(row.id).unwrap().as_ref(), Some(row));
    };

    // A durable nonce on a wallet the operator has not enabled.
    let durable = PlacementRules {
        durable_nonce: nonce(&address),
        ..plain_rules(w)
    };
    let (row, r) = refused_by(admit_with(&durable));
    assert_eq!(
        r,
        PlacementRefusal::DurableNonceNotEnabled {
            wallet_id: w,
            nonce_account: "nonce-account".to_owned()
        }
    );
    check(&row, &r, "DURABLE_NONCE_NOT_ALLOWED");
    // Enabled, but the nonce authority is not the wallet.
    store_settings(
        s.as_ref(),
        &Settings {
            durable_nonce_wallets: vec![w],
            ..Settings::default()
        },
    );
    let foreign = PlacementRules {
        durable_nonce: nonce("someone-else"),
        ..plain_rules(w)
    };
    let (row, r) = refused_by(admit_with(&foreign));
    assert_eq!(
        r,
        PlacementRefusal::DurableNonceAuthority {
            authority: "someone-else".to_owned()
        }
    );
    check(&row, &r, "DURABLE_NONCE_NOT_ALLOWED");
    // An allowance increase with no owner to approve it.
    let needs_owner = PlacementRules {
        needs_owner: true,
        ..plain_rules(w)
    };
    let (row, r) = refused_by(admit_with(&needs_owner));
    assert_eq!(r, PlacementRefusal::OwnerRequired);
    check(&row, &r, "VALIDATION_FAILED");
    // A fee above the (default) ceiling of the network.
    let costly = PlacementRules {
        max_fee: Some(Amount::from_u64(10_000_001)),
        ..plain_rules(w)
    };
    let (row, r) = refused_by(admit_with(&costly));
    assert_eq!(
        r,
        PlacementRefusal::FeeAboveCeiling {
            fee: Amount::from_u64(10_000_001),
            ceiling: Amount::from_u64(10_000_000)
        }
    );
    check(&row, &r, "VALIDATION_FAILED");
    // Every refused request released its reservation: the whole cap is still free.
    let (d, row) = decided(admit_with(&durable));
    assert!(d.allowed);
    assert_eq!(spent(engine.last().windows.get(&DAY)), 0);
    assert_eq!(
        row.status,
        TxStatus::Queued,
        "enabled, the wallet's own nonce"
    );
    // A denial is never a refusal, whatever the placement data.
    let (d, row) = decided(admit_with(&needs_owner));
    assert!(!d.allowed);
    assert_eq!(row.error_code.as_deref(), Some("POLICY_DENIED"));
    // With an owner and a higher ceiling, the same data places as usual.
    register_owner(s.as_ref(), w);
    let mut settings = Settings::default();
    settings
        .fee_ceilings
        .insert(Network::SolanaDevnet, Amount::from_u64(10_000_001));
    store_settings(s.as_ref(), &settings);
    let w2 = new_wallet(s.as_ref());
    register_owner(s.as_ref(), w2);
    let both = PlacementRules {
        needs_owner: true,
        max_fee: Some(Amount::from_u64(10_000_001)),
        ..plain_rules(w2)
    };
    let (_, row) =
        decided(admit_placed(s.as_ref(), &engine, w2, None, 10, T0, None, &both).unwrap());
    assert_eq!(row.status, TxStatus::PendingApproval);
}

/// The settings are read inside the admission transaction: a change committed by
/// another handle after the caller prepared its request (durable nonces turned off)
/// is honoured; settings that no longer parse fail the admission closed —
/// `STORAGE_ERROR`, nothing stored, nothing reserved.
pub fn a_settings_change_before_admission_is_honoured_and_a_corrupt_row_fails_closed(
    h: &dyn Harness,
) {
    let s = keyed(h);
    let w = new_wallet(s.as_ref());
    let engine = CapEngine::new(&[DAY], 100, Tier::Instant);
    let operator = keyed(h);
    store_settings(
        operator.as_ref(),
        &Settings {
            durable_nonce_wallets: vec![w],
            ..Settings::default()
        },
    );
    // Prepared once, as the facade does before the transaction.
    let rules = PlacementRules {
        durable_nonce: Some(DurableNonceUse {
            nonce_account: "n".to_owned(),
            authority: format!("addr-{w}"),
        }),
        ..plain_rules(w)
    };
    let (_, row) =
        decided(admit_placed(s.as_ref(), &engine, w, None, 1, T0, None, &rules).unwrap());
    assert_eq!(row.status, TxStatus::Signed);
    // The operator turns durable nonces off between prepare and admit.
    store_settings(operator.as_ref(), &Settings::default());
    let (row, r) =
        refused_by(admit_placed(s.as_ref(), &engine, w, None, 1, T0, None, &rules).unwrap());
    assert_eq!(r.code(), "DURABLE_NONCE_NOT_ALLOWED");
    assert_eq!(row.result, None, "refused before signing");
    // A corrupt settings row: the admission fails, nothing is stored or reserved.
    operator
        .set_setting(
            SETTINGS_KEY,
            "{\"defaultDelaySecs\":\"soon\"}",
            T0,
            &audit(T0, "S"),
        )
        .unwrap();
    let before = s
        .transactions(&waiaas_core::store::TxFilter::default())
        .unwrap();
    let err = admit_placed(
        s.as_ref(),
        &engine,
        w,
        None,
        1,
        T0,
        Some("k"),
        &plain_rules(w),
    )
    .unwrap_err();
    assert_eq!(err.code(), "STORAGE_ERROR");
    assert_eq!(
        s.transactions(&waiaas_core::store::TxFilter::default())
            .unwrap(),
        before
    );
    store_settings(operator.as_ref(), &Settings::default());
    let (d, _) = decided(admit(s.as_ref(), &engine, w, None, 1, T0, Some("k")));
    assert!(d.allowed, "the key was not used by the failed admission");
    assert_eq!(
        spent(engine.last().windows.get(&DAY)),
        1,
        "only the first signed request is counted"
    );
}

/// A transition applies only from its allowed statuses, with the right owner nonce
/// and before the expiry; a nonce is single-use.
pub fn transitions_are_compare_and_swap(h: &dyn Harness) {
    let s = keyed(h);
    let w = new_wallet(s.as_ref());
    let engine = CapEngine::new(&[DAY], 100, Tier::Approval);
    register_owner(s.as_ref(), w);
    let (_, row) = decided(admit(s.as_ref(), &engine, w, None, 5, T0, None));
    assert_eq!(row.status, TxStatus::PendingApproval);
    assert_eq!(
        row.expires_at,
        Some(T0 + 3600),
        "the default approval window"
    );
    let t = |from: &[TxStatus], to: TxStatus| TxTransition::new(from, to);
    // Illegal: not from QUEUED.
    assert_eq!(
        s.transition_transaction(
            row.id,
            &t(&[TxStatus::Queued], TxStatus::Executing),
            T0,
            &audit(T0, "T")
        )
        .unwrap(),
        None
    );
    // Wrong nonce.
    let wrong = TxTransition {
        owner_nonce: Some("forged".to_owned()),
        ..t(&[TxStatus::PendingApproval], TxStatus::Rejected)
    };
    assert_eq!(
        s.transition_transaction(row.id, &wrong, T0, &audit(T0, "T"))
            .unwrap(),
        None
    );
    // Expired.
    let late = TxTransition {
        owner_nonce: Some(row.owner_nonce.clone()),
        unexpired_at: Some(T0 + 3600),
        ..t(&[TxStatus::PendingApproval], TxStatus::Rejected)
    };
    assert_eq!(
        s.transition_transaction(row.id, &late, T0, &audit(T0, "T"))
            .unwrap(),
        None
    );
    let ok = TxTransition {
        owner_nonce: Some(row.owner_nonce.clone()),
        unexpired_at: Some(T0 + 1),
        ledger: LedgerEffect::Release,
        ..t(&[TxStatus::PendingApproval], TxStatus::Rejected)
    };
    let moved = s
        .transition_transaction(row.id, &ok, T0 + 1, &audit(T0, "T"))
        .unwrap()
        .unwrap();
    assert_eq!(moved.status, TxStatus::Rejected);
    // The nonce was consumed: the same owner action cannot apply again.
    let replay = TxTransition {
        from: vec![TxStatus::Rejected],
        ..ok
    };
    assert_eq!(
        s.transition_transaction(row.id, &replay, T0 + 1, &audit(T0, "T"))
            .unwrap(),
        None
    );
    assert_eq!(
        s.transition_transaction(
            TxId::new(),
            &t(&[TxStatus::Queued], TxStatus::Cancelled),
            T0,
            &audit(T0, "T")
        )
        .unwrap(),
        None,
        "absent"
    );
}

/// A claim for execution moves a QUEUED row once; it re-checks the gates (a session
/// past its absolute lifetime stops it) and re-judges the stored request with the
/// policies in force (a denial fails the row and releases its reservation; a request
/// built for another row is denied).
pub fn claims_recheck_gates_and_rejudge_with_the_policies_in_force(h: &dyn Harness) {
    let s = keyed(h);
    let w = new_wallet(s.as_ref());
    let engine = CapEngine::new(&[DAY], 100, Tier::Delay);
    let claim = TxTransition::new(&[TxStatus::Queued], TxStatus::Executing);
    let prices = PriceBook::default();
    let check = |req: &PolicyRequest, engine: &CapEngine| -> Claim {
        let c = ExecutionCheck {
            request: req,
            prices: &prices,
            engine,
        };
        s.claim_transaction(req.request_id, &claim, &c, T0 + 1, &audit(T0 + 1, "CLAIM"))
            .unwrap()
    };
    let (_, a) = decided(admit(s.as_ref(), &engine, w, None, 10, T0, None));
    match check(&request(w, a.id, 10), &engine) {
        Claim::Claimed(row) => assert_eq!(row.status, TxStatus::Executing),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        check(&request(w, a.id, 10), &engine),
        Claim::Lost,
        "claimed once"
    );
    // The policies in force now deny it: FAILED, reservation released.
    let (_, b) = decided(admit(s.as_ref(), &engine, w, None, 20, T0, None));
    let stricter = CapEngine::new(&[DAY], 5, Tier::Delay);
    match check(&request(w, b.id, 20), &stricter) {
        Claim::Denied { record, decision } => {
            assert!(!decision.allowed);
            assert_eq!(record.status, TxStatus::Failed);
            assert_eq!(record.error_code.as_deref(), Some("POLICY_DENIED"));
        }
        other => panic!("{other:?}"),
    }
    decided(admit(s.as_ref(), &engine, w, None, 0, T0 + 1, None));
    assert_eq!(
        spent(engine.last().windows.get(&DAY)),
        10,
        "the denied row was released"
    );
    // A request built for another row is denied.
    let (_, c) = decided(admit(s.as_ref(), &engine, w, None, 1, T0, None));
    let mut other = request(w, TxId::new(), 1);
    let c_check = ExecutionCheck {
        request: &other,
        prices: &prices,
        engine: &engine,
    };
    match s
        .claim_transaction(c.id, &claim, &c_check, T0 + 1, &audit(T0 + 1, "CLAIM"))
        .unwrap()
    {
        Claim::Denied { decision, .. } => {
            assert_eq!(decision.reason_codes(), vec!["EXECUTION_REQUEST_MISMATCH"]);
        }
        other => panic!("{other:?}"),
    }
    other.request_id = c.id;
    assert_eq!(check(&other, &engine), Claim::Lost, "the denial was final");
    // A session past its absolute lifetime stops what it queued.
    let session = SessionRecord {
        absolute_lifetime_seconds: 100,
        ..session_record()
    };
    s.insert_session(&session, &[w], 5, T0, &audit(T0, "S"))
        .unwrap();
    let (_, d) = decided(admit(s.as_ref(), &engine, w, Some(session.id), 1, T0, None));
    let late = ExecutionCheck {
        request: &request(w, d.id, 1),
        prices: &prices,
        engine: &engine,
    };
    match s
        .claim_transaction(d.id, &claim, &late, T0 + 200, &audit(T0 + 200, "CLAIM"))
        .unwrap()
    {
        Claim::Stopped { gate, record } => {
            assert_eq!(gate, AdmissionGate::SessionExpired);
            assert_eq!(record.status, TxStatus::Cancelled);
            assert_eq!(record.error_code.as_deref(), Some("SESSION_EXPIRED"));
        }
        other => panic!("{other:?}"),
    }
}

/// Revoking a session, suspending a wallet and the kill switch cancel the in-flight
/// rows they cover, releasing their reservations, in the same operation.
pub fn cascades_cancel_in_flight_rows_and_release_them(h: &dyn Harness) {
    let s = keyed(h);
    let w = new_wallet(s.as_ref());
    let session = session_record();
    s.insert_session(&session, &[w], 5, T0, &audit(T0, "S"))
        .unwrap();
    let engine = CapEngine::new(&[DAY], 100, Tier::Delay);
    let (_, by_session) = decided(admit(
        s.as_ref(),
        &engine,
        w,
        Some(session.id),
        30,
        T0,
        None,
    ));
    let (_, by_operator) = decided(admit(s.as_ref(), &engine, w, None, 30, T0, None));
    assert!(s.revoke_session(session.id, T0, &audit(T0, "V")).unwrap());
    let row = s.transaction(by_session.id).unwrap().unwrap();
    assert_eq!(row.status, TxStatus::Cancelled);
    assert_eq!(row.error_code.as_deref(), Some("SESSION_REVOKED"));
    assert_eq!(
        s.transaction(by_operator.id).unwrap().unwrap().status,
        TxStatus::Queued
    );
    decided(admit(s.as_ref(), &engine, w, None, 1, T0, None));
    assert_eq!(
        spent(engine.last().windows.get(&DAY)),
        30,
        "the cancelled row was released"
    );
    s.set_wallet_status(w, WalletStatus::Suspended, T0, &audit(T0, "W"))
        .unwrap();
    let row = s.transaction(by_operator.id).unwrap().unwrap();
    assert_eq!(row.status, TxStatus::Cancelled);
    assert_eq!(row.error_code.as_deref(), Some("WALLET_SUSPENDED"));
    s.set_wallet_status(w, WalletStatus::Active, T0, &audit(T0, "W"))
        .unwrap();
    let (_, queued) = decided(admit(s.as_ref(), &engine, w, None, 5, T0, None));
    s.set_kill_switch(
        KillSwitchState::Active,
        KillSwitchState::Suspended,
        None,
        T0,
        &audit(T0, "K"),
    )
    .unwrap();
    let row = s.transaction(queued.id).unwrap().unwrap();
    assert_eq!(row.status, TxStatus::Cancelled);
    assert_eq!(row.error_code.as_deref(), Some("KILL_SWITCH_ACTIVE"));
}

/// In-flight reservations count; the daily window forgets a spend after 86 400 s and
/// the monthly one after 2 592 000 s (rolling, inclusive of the boundary second).
pub fn windows_count_in_flight_and_roll_daily_and_monthly(h: &dyn Harness) {
    let s = keyed(h);
    let w = new_wallet(s.as_ref());
    let engine = CapEngine::new(&[DAY, MONTH], 1_000, Tier::Delay);
    decided(admit(s.as_ref(), &engine, w, None, 40, T0, None));
    decided(admit(s.as_ref(), &engine, w, None, 2, T0, None));
    let snap = engine.last();
    assert_eq!(
        spent(snap.windows.get(&DAY)),
        40,
        "sees the earlier reservation, not itself"
    );
    assert_eq!(spent(snap.in_flight.as_ref()), 40);
    assert_eq!(snap.windows[&DAY].requests, 1);
    // Inside the day, both count.
    let day_end = T0 + i64::try_from(DAY).unwrap();
    decided(admit(s.as_ref(), &engine, w, None, 0, day_end - 1, None));
    assert_eq!(spent(engine.last().windows.get(&DAY)), 42);
    // A day later they left the daily window, not the monthly one, and are still in flight.
    decided(admit(s.as_ref(), &engine, w, None, 0, day_end + 1, None));
    let snap = engine.last();
    assert_eq!(spent(snap.windows.get(&DAY)), 0);
    assert_eq!(spent(snap.windows.get(&MONTH)), 42);
    assert_eq!(spent(snap.in_flight.as_ref()), 42);
    let month_end = T0 + i64::try_from(MONTH).unwrap();
    decided(admit(s.as_ref(), &engine, w, None, 0, month_end + 1, None));
    assert_eq!(spent(engine.last().windows.get(&MONTH)), 0);
    // Another handle (another process) sees the same totals.
    let other = keyed(h);
    decided(admit(
        other.as_ref(),
        &engine,
        w,
        None,
        0,
        month_end + 2,
        None,
    ));
    assert_eq!(spent(engine.last().in_flight.as_ref()), 42);
}

/// A released reservation leaves every window and the in-flight totals; a committed
/// one leaves the in-flight totals and keeps counting in the windows.
pub fn released_spend_leaves_the_windows_and_committed_spend_stays(h: &dyn Harness) {
    let s = keyed(h);
    let w = new_wallet(s.as_ref());
    let engine = CapEngine::new(&[DAY], 1_000, Tier::Delay);
    let (_, a) = decided(admit(s.as_ref(), &engine, w, None, 100, T0, None));
    let (_, b) = decided(admit(s.as_ref(), &engine, w, None, 7, T0, None));
    let release = TxTransition {
        ledger: LedgerEffect::Release,
        ..TxTransition::new(&[TxStatus::Queued], TxStatus::Cancelled)
    };
    s.transition_transaction(a.id, &release, T0 + 1, &audit(T0, "T"))
        .unwrap()
        .unwrap();
    let commit = TxTransition {
        ledger: LedgerEffect::Commit,
        result: Some("{}".to_owned()),
        ..TxTransition::new(&[TxStatus::Queued], TxStatus::Signed)
    };
    s.transition_transaction(b.id, &commit, T0 + 1, &audit(T0, "T"))
        .unwrap()
        .unwrap();
    decided(admit(s.as_ref(), &engine, w, None, 0, T0 + 2, None));
    let snap = engine.last();
    assert_eq!(spent(snap.windows.get(&DAY)), 7);
    assert_eq!(
        snap.windows[&DAY].requests, 2,
        "a released request still counts as a request"
    );
    assert_eq!(spent(snap.in_flight.as_ref()), 0);
    // Releasing twice changes nothing.
    assert_eq!(
        s.transition_transaction(a.id, &release, T0 + 3, &audit(T0, "T"))
            .unwrap(),
        None
    );
}

/// `simulate` decides as admission would and reserves nothing.
pub fn simulate_is_a_dry_run(h: &dyn Harness) {
    let s = keyed(h);
    let w = new_wallet(s.as_ref());
    let engine = CapEngine::new(&[DAY], 10, Tier::Instant);
    for _ in 0..3 {
        let d = s
            .simulate(
                &request(w, TxId::new(), 10),
                &PriceBook::default(),
                T0,
                &engine,
            )
            .unwrap();
        assert!(d.allowed);
    }
    assert!(
        s.transactions(&waiaas_core::store::TxFilter::default())
            .unwrap()
            .is_empty()
    );
    let (d, _) = decided(admit(s.as_ref(), &engine, w, None, 10, T0, None));
    assert!(d.allowed);
    let d = s
        .simulate(
            &request(w, TxId::new(), 1),
            &PriceBook::default(),
            T0,
            &engine,
        )
        .unwrap();
    assert!(!d.allowed, "the dry run sees the admitted spend");
}

/// Every audited change is chained; verification passes, and finds an edited record.
pub fn audit_log_chains_and_verification_detects_tampering(h: &dyn Harness) {
    let s = keyed(h);
    s.create_vault_header("h", T0, &audit(T0, "VAULT_CREATED"))
        .unwrap();
    new_wallet(s.as_ref());
    s.append_audit(&audit(T0 + 1, "CUSTOM").details(serde_json::json!({ "n": 1 })))
        .unwrap();
    let records = s.audit_records(0, 0).unwrap();
    assert_eq!(records.len(), 3);
    assert_eq!(
        records.iter().map(|r| r.seq).collect::<Vec<_>>(),
        vec![1, 2, 3]
    );
    for pair in records.windows(2) {
        assert_eq!(
            pair[1].prev_hash, pair[0].hash,
            "each entry commits to the previous one"
        );
    }
    assert_eq!(s.audit_head().unwrap(), Some((3, records[2].hash.clone())));
    assert_eq!(s.audit_records(1, 1).unwrap().len(), 1);
    let check = s.verify_audit_log().unwrap();
    assert_eq!(check.entries, 3);
    assert_eq!(check.chain.first_broken, None);
    assert!(check.head_ok);
    h.tamper_audit_details(2);
    let check = h.handle();
    check.set_audit_key(key(), T0, None).unwrap();
    let check = check.verify_audit_log().unwrap();
    assert_eq!(check.chain.first_broken, Some(2));
    // Without the key, verification is refused.
    let locked = h.handle();
    assert_eq!(
        locked.verify_audit_log().unwrap_err().code(),
        "VAULT_LOCKED"
    );
}

/// Threads, each with its own handle, race to admit on one wallet: the admitted total
/// never exceeds the daily cap, and exactly as many requests are admitted as fit.
pub fn concurrent_admissions_on_one_wallet_never_overshoot(h: &dyn Harness) {
    const THREADS: u64 = 8;
    const PER_THREAD: u64 = 6;
    const AMOUNT: u64 = 7;
    const CAP: u64 = 100;
    let setup = keyed(h);
    let w = new_wallet(setup.as_ref());
    // Two engines with one cap: DELAY places QUEUED (in flight), INSTANT signs at once
    // (committed).
    let delayed = Arc::new(CapEngine {
        count_in_flight: true,
        ..CapEngine::new(&[DAY], CAP, Tier::Delay)
    });
    let instant = Arc::new(CapEngine {
        count_in_flight: true,
        ..CapEngine::new(&[DAY], CAP, Tier::Instant)
    });
    let handles: Vec<_> = (0..THREADS).map(|_| keyed(h)).collect();
    std::thread::scope(|scope| {
        for (i, s) in handles.iter().enumerate() {
            let (delayed, instant) = (delayed.clone(), instant.clone());
            scope.spawn(move || {
                for j in 0..PER_THREAD {
                    // Half go QUEUED (in flight), half sign at once (committed).
                    let engine = if (i as u64 + j).is_multiple_of(2) {
                        &delayed
                    } else {
                        &instant
                    };
                    decided(admit(
                        s.as_ref(),
                        engine.as_ref(),
                        w,
                        None,
                        AMOUNT,
                        T0,
                        None,
                    ));
                }
            });
        }
    });
    let rows = setup
        .transactions(&waiaas_core::store::TxFilter {
            wallet_id: Some(w),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(rows.len() as u64, THREADS * PER_THREAD);
    let admitted = rows
        .iter()
        .filter(|r| matches!(r.status, TxStatus::Queued | TxStatus::Signed))
        .count() as u64;
    assert_eq!(admitted, CAP / AMOUNT, "exactly as many as fit, never more");
    assert!(admitted * AMOUNT <= CAP);
}

pub fn notify_channels_round_trip_and_count_deliveries(h: &dyn Harness) {
    let s = keyed(h);
    let channel = ChannelRecord {
        name: "ops".to_owned(),
        kind: "SLACK".to_owned(),
        params: "{}".to_owned(),
        secret: SealedBox {
            nonce: vec![1; 24],
            ciphertext: vec![2; 40],
        },
        created_at: T0,
        delivered: 0,
        failed: 0,
        last_error: None,
        last_error_at: None,
    };
    assert!(
        s.insert_channel(&channel, &audit(T0, "NOTIFY_CHANNEL_ADDED"))
            .unwrap()
    );
    assert!(
        !s.insert_channel(&channel, &audit(T0, "NOTIFY_CHANNEL_ADDED"))
            .unwrap()
    );
    s.record_delivery("ops", None, T0 + 1).unwrap();
    s.record_delivery("ops", Some("http status 503"), T0 + 2)
        .unwrap();
    s.record_delivery("gone", None, T0 + 3).unwrap();
    let other = h.handle();
    let stored = other.channels().unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].secret, channel.secret);
    assert_eq!((stored[0].delivered, stored[0].failed), (1, 1));
    assert_eq!(stored[0].last_error.as_deref(), Some("http status 503"));
    assert_eq!(stored[0].last_error_at, Some(T0 + 2));
    assert!(
        s.delete_channel("ops", &audit(T0, "NOTIFY_CHANNEL_REMOVED"))
            .unwrap()
    );
    assert!(
        !s.delete_channel("ops", &audit(T0, "NOTIFY_CHANNEL_REMOVED"))
            .unwrap()
    );
    assert!(s.channels().unwrap().is_empty());
}

pub fn approval_links_open_once_for_their_transaction_until_they_expire(h: &dyn Harness) {
    let s = keyed(h);
    let (tx, other_tx) = (TxId::new(), TxId::new());
    let link = |hash: &str| ApprovalLinkRecord {
        token_hash: hash.to_owned(),
        tx_id: tx,
        expires_at: T0 + 100,
    };
    s.insert_approval_link(&link("a"), T0).unwrap();
    s.insert_approval_link(&link("b"), T0).unwrap();
    let redeem = |hash: &str, id: TxId, at: i64| {
        s.redeem_approval_link(hash, id, at, &audit(at, "APPROVAL_LINK_OPENED"))
            .unwrap()
    };
    let before = s.audit_head().unwrap();
    assert_eq!(redeem("a", other_tx, T0), LinkRedemption::Unknown);
    assert_eq!(redeem("zz", tx, T0), LinkRedemption::Unknown);
    assert_eq!(s.audit_head().unwrap(), before, "a refusal is not audited");
    assert_eq!(redeem("a", tx, T0 + 99), LinkRedemption::Redeemed);
    assert_ne!(s.audit_head().unwrap(), before, "a redemption is audited");
    assert_eq!(redeem("a", tx, T0 + 99), LinkRedemption::Used);
    assert_eq!(redeem("b", tx, T0 + 100), LinkRedemption::Expired);
    // Long-expired links are forgotten as new ones are stored.
    s.insert_approval_link(&link("c"), T0 + 100 + 86_401)
        .unwrap();
    assert_eq!(redeem("b", tx, T0 + 100 + 86_401), LinkRedemption::Unknown);
}
