//! Revocation reaches what a session queued (issue 8, items 6 and 11): revoking a
//! session, the kill switch and suspending a wallet cancel the rows they cover in the
//! same transaction (reservations released, audited); a claim for execution re-checks
//! the session, the wallet and the kill switch and re-judges the row with the policies
//! in force then, without counting its reserved limits twice; placement reads the owner
//! inside the admission transaction; Solana amounts above u64 are refused at validation.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "test code: a panic is a test failure"
)]

mod common;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use common::{BLOCKHASH, NowValue, OwnerKey, SOL_USD, T0, World, pw, world};
use litesvm::LiteSVM;
use serde_json::json;
use waiaas::api::AuditFilter;
use waiaas::{
    Admin, Agent, ChainParams, Network, NewPolicy, Operation, PolicyUpdate, PriceOracle,
    SendRequest, Settings, StaticPriceOracle, Waiaas,
};
use waiaas_core::policy::{PolicyType, PriceQuote, Usd, native_asset_id};
use waiaas_core::session::CreateSession;
use waiaas_core::{PolicyId, Tier, TxId, TxStatus, WalletId, WalletInfo};
use waiaas_test_support::solana_runtime::execute_base64;

const LAMPORTS: u64 = 1_000_000_000;

/// 5 SOL ($500) including the 5 000-lamport network fee, which is judged with the amount.
const FIVE: &str = "4.999995";

use common::{sol_req as req, sol_req_with as req_with};

fn policy(w: &World, wallet: WalletId, ty: PolicyType, rules: serde_json::Value) -> PolicyId {
    w.policy(wallet, ty, rules)
}

/// A Solana wallet whose ladder puts 5 SOL (500 USD) in DELAY (900 s) and 20 SOL in
/// APPROVAL, under a daily cap of `cap_usd`: with 500, one 5 SOL send fits and a second
/// one while the first is reserved exceeds it (escalated to APPROVAL).
fn capped(w: &World, cap_usd: u64) -> (WalletInfo, PolicyId) {
    let wallet = w
        .admin
        .create_wallet("agent", Network::SolanaDevnet)
        .unwrap();
    let id = policy(
        w,
        wallet.id,
        PolicyType::SpendingLimit,
        json!({
            "instant_max_usd": 10, "notify_max_usd": 100, "delay_max_usd": 1000,
            "delay_seconds": 900, "daily_limit_usd": cap_usd
        }),
    );
    (wallet, id)
}

fn rusqlite_conn(w: &World) -> rusqlite::Connection {
    w.db()
}

/// The spend ledger status of a request (RESERVED, COMMITTED, RELEASED).
fn reservation(w: &World, id: TxId) -> String {
    rusqlite_conn(w)
        .query_row(
            "SELECT status FROM spend_ledger WHERE request_id = ?1",
            [id.to_string()],
            |r| r.get(0),
        )
        .unwrap()
}

fn audit_details(w: &World, id: TxId, event: &str) -> Vec<serde_json::Value> {
    w.admin
        .audit_log_filtered(&AuditFilter {
            tx_id: Some(id),
            event: Some(event.to_owned()),
            ..AuditFilter::default()
        })
        .unwrap()
        .into_iter()
        .map(|r| r.entry.details)
        .collect()
}

/// A second 5 SOL send fits the daily cap again (DELAY, not escalated): the first
/// reservation left every window.
fn assert_cap_free(w: &World, wallet: &WalletInfo) {
    let fresh = w.agent(wallet.id);
    let tx = fresh.send(&req(&wallet.address, FIVE)).unwrap();
    assert_eq!((tx.status, tx.tier), (TxStatus::Queued, Some(Tier::Delay)));
}

/// Runs the scheduler an hour later (after every DELAY window) and checks `id` signed
/// nothing.
fn assert_never_signs(w: &World, id: TxId, status: TxStatus, code: &str) {
    w.clock.set(w.clock.now_value() + 3600);
    w.refresh_prices();
    let touched = w.admin.process_due().unwrap();
    let tx = w.admin.transaction(id).unwrap();
    assert_eq!(tx.status, status, "{touched:?}");
    assert_eq!(tx.error.as_ref().unwrap().code, code);
    assert!(tx.result.is_none(), "no signature exists for it");
    assert_eq!(reservation(w, id), "RELEASED");
}

#[test]
fn revoking_a_session_cancels_its_queued_row_at_once_and_releases_its_reservation() {
    let w = world();
    let (wallet, _) = capped(&w, 500);
    let agent = w.agent(wallet.id);
    let queued = agent.send(&req(&wallet.address, FIVE)).unwrap();
    assert_eq!(
        (queued.status, queued.tier),
        (TxStatus::Queued, Some(Tier::Delay))
    );
    assert_eq!(reservation(&w, queued.id), "RESERVED");
    // While it is reserved, a second 5 SOL from another session exceeds the cap
    // (escalated to APPROVAL; no owner, so it waits as DELAY).
    let other = w.agent(wallet.id);
    let second = other.send(&req(&wallet.address, FIVE)).unwrap();
    assert_eq!(
        (second.status, second.tier),
        (TxStatus::Queued, Some(Tier::Approval))
    );

    let session = queued.session_id.unwrap();
    w.admin.revoke_session(session).unwrap();
    // At once: no scheduler run, no clock change.
    let tx = w.admin.transaction(queued.id).unwrap();
    assert_eq!(tx.status, TxStatus::Cancelled);
    assert_eq!(tx.error.as_ref().unwrap().code, "SESSION_REVOKED");
    assert_eq!(reservation(&w, queued.id), "RELEASED");
    let cancelled = audit_details(&w, queued.id, "TX_CANCELLED");
    assert_eq!(cancelled.len(), 1);
    assert_eq!(cancelled[0]["details"]["cause"], "SESSION_REVOKED");
    assert_eq!(cancelled[0]["to"], "CANCELLED");
    // Only that session's rows: the other session's row on the same wallet stays.
    assert_eq!(
        w.admin.transaction(second.id).unwrap().status,
        TxStatus::Queued
    );
    assert_eq!(reservation(&w, second.id), "RESERVED");
    w.admin.cancel_transaction(second.id).unwrap();
    assert_cap_free(&w, &wallet);
    assert_never_signs(&w, queued.id, TxStatus::Cancelled, "SESSION_REVOKED");
}

#[test]
fn the_kill_switch_cancels_queued_and_pending_approval_rows_in_its_own_transaction() {
    let w = world();
    let (wallet, _) = capped(&w, 5000);
    let owner = OwnerKey::solana(21);
    w.admin.set_owner(wallet.id, &owner.address()).unwrap();
    let agent = w.agent(wallet.id);
    let queued = agent.send(&req(&wallet.address, FIVE)).unwrap();
    let pending = agent.send(&req(&wallet.address, "20")).unwrap();
    assert_eq!(queued.status, TxStatus::Queued);
    assert_eq!(pending.status, TxStatus::PendingApproval);
    let approve = w
        .admin
        .owner_actions()
        .approval_request(pending.id)
        .unwrap()
        .approve_message
        .unwrap();

    let report = w.admin.activate_kill_switch("incident").unwrap();
    assert_eq!(report.transactions_cancelled, 2);
    assert!(report.errors.is_empty());
    for id in [queued.id, pending.id] {
        let tx = w.admin.transaction(id).unwrap();
        assert_eq!(tx.status, TxStatus::Cancelled);
        assert_eq!(tx.error.unwrap().code, "KILL_SWITCH_ACTIVE");
        assert_eq!(reservation(&w, id), "RELEASED");
    }
    // The cancellations are audited right after the switch, before the sessions and
    // wallets steps: they were written in the switch's transaction.
    let log = w.admin.audit_log(0, 0).unwrap();
    let at = log
        .iter()
        .position(|r| r.entry.event == "KILL_SWITCH_ACTIVATED")
        .unwrap();
    let next: Vec<_> = log[at + 1..at + 3]
        .iter()
        .map(|r| (r.entry.event.as_str(), r.entry.tx_id.unwrap()))
        .collect();
    assert!(next.contains(&("TX_CANCELLED", queued.id)), "{next:?}");
    assert!(next.contains(&("TX_CANCELLED", pending.id)), "{next:?}");
    // Approving afterwards signs nothing.
    let err = w
        .admin
        .owner_actions()
        .approve(pending.id, &owner.sign(&approve), &approve)
        .unwrap_err();
    assert_eq!(err.code(), "TX_ALREADY_PROCESSED");
    w.admin.recover_kill_switch().unwrap();
    w.admin.resume_wallet(wallet.id).unwrap();
    assert_never_signs(&w, queued.id, TxStatus::Cancelled, "KILL_SWITCH_ACTIVE");
    assert_never_signs(&w, pending.id, TxStatus::Cancelled, "KILL_SWITCH_ACTIVE");
}

#[test]
fn suspending_a_wallet_cancels_only_its_rows() {
    let w = world();
    let (wallet, _) = capped(&w, 500);
    let (other_wallet, _) = capped(&w, 500);
    let owner = OwnerKey::solana(22);
    w.admin.set_owner(wallet.id, &owner.address()).unwrap();
    let agent = w.agent(wallet.id);
    let queued = agent.send(&req(&wallet.address, FIVE)).unwrap();
    let pending = agent.send(&req(&wallet.address, "1")).unwrap();
    // 100 USD more: within DELAY, but 600 > the 500 cap → APPROVAL, owner registered.
    assert_eq!(pending.status, TxStatus::PendingApproval);
    let untouched = w
        .agent(other_wallet.id)
        .send(&req(&other_wallet.address, FIVE))
        .unwrap();

    w.admin.suspend_wallet(wallet.id).unwrap();
    for id in [queued.id, pending.id] {
        let tx = w.admin.transaction(id).unwrap();
        assert_eq!(tx.status, TxStatus::Cancelled);
        assert_eq!(tx.error.unwrap().code, "WALLET_SUSPENDED");
        assert_eq!(reservation(&w, id), "RELEASED");
        assert_eq!(
            audit_details(&w, id, "TX_CANCELLED")[0]["details"]["cause"],
            "WALLET_SUSPENDED"
        );
    }
    assert_eq!(
        w.admin.transaction(untouched.id).unwrap().status,
        TxStatus::Queued
    );
    w.admin.resume_wallet(wallet.id).unwrap();
    assert_cap_free(&w, &wallet);
    assert_never_signs(&w, queued.id, TxStatus::Cancelled, "WALLET_SUSPENDED");
    assert_eq!(
        w.admin.transaction(untouched.id).unwrap().status,
        TxStatus::Signed,
        "the other wallet's row still executes"
    );
}

#[test]
fn auto_stop_cancels_the_rows_of_the_wallet_it_suspends() {
    let w = world();
    let (wallet, _) = capped(&w, 5000);
    w.admin
        .set_settings(&Settings {
            auto_stop_max_sends: 2,
            ..Settings::default()
        })
        .unwrap();
    let agent = w.agent(wallet.id);
    let first = agent.send(&req(&wallet.address, FIVE)).unwrap();
    assert_eq!(first.status, TxStatus::Queued);
    // The second send reaches the threshold: the wallet stops, its rows with it.
    agent.send(&req(&wallet.address, FIVE)).unwrap();
    let tx = w.admin.transaction(first.id).unwrap();
    assert_eq!(tx.status, TxStatus::Cancelled);
    assert_eq!(tx.error.unwrap().code, "WALLET_SUSPENDED");
    assert_eq!(reservation(&w, first.id), "RELEASED");
}

/// A gate closed by a write that did not cascade (an older process, a hand edit): the
/// claim for execution checks it itself.
#[test]
fn execution_rechecks_session_wallet_and_kill_switch_in_the_claim() {
    let w = world();
    let (a, _) = capped(&w, 5000);
    let (b, _) = capped(&w, 5000);
    let (c, _) = capped(&w, 5000);
    let revoked = w.agent(a.id).send(&req(&a.address, FIVE)).unwrap();
    let suspended = w.agent(b.id).send(&req(&b.address, FIVE)).unwrap();
    let conn = rusqlite_conn(&w);
    conn.execute(
        "UPDATE sessions SET revoked_at = ?1 WHERE id = ?2",
        rusqlite::params![T0, revoked.session_id.unwrap().to_string()],
    )
    .unwrap();
    conn.execute(
        "UPDATE wallets SET status = 'SUSPENDED' WHERE id = ?1",
        [b.id.to_string()],
    )
    .unwrap();
    assert_never_signs(&w, revoked.id, TxStatus::Cancelled, "SESSION_REVOKED");
    assert_never_signs(&w, suspended.id, TxStatus::Cancelled, "WALLET_SUSPENDED");

    let stopped = w.agent(c.id).send(&req(&c.address, FIVE)).unwrap();
    conn.execute("UPDATE kill_switch SET state = 'SUSPENDED'", [])
        .unwrap();
    assert_never_signs(&w, stopped.id, TxStatus::Cancelled, "KILL_SWITCH_ACTIVE");
}

#[test]
fn a_session_past_its_absolute_lifetime_executes_nothing_it_queued() {
    let w = world();
    let (wallet, _) = capped(&w, 5000);
    let issued = w
        .admin
        .create_session(&CreateSession {
            ttl: Some(300),
            absolute_lifetime: 600,
            ..CreateSession::new(vec![wallet.id])
        })
        .unwrap();
    let agent = w.admin.agent(issued.token.expose()).unwrap();
    let tx = agent.send(&req(&wallet.address, FIVE)).unwrap();
    assert_eq!(tx.execute_after, Some(T0 + 900));
    // Due at T0 + 900, when the session ended at T0 + 600.
    assert_never_signs(&w, tx.id, TxStatus::Cancelled, "SESSION_EXPIRED");
}

#[test]
fn approval_after_revocation_fails_and_signs_nothing() {
    let w = world();
    let (wallet, _) = capped(&w, 5000);
    let owner = OwnerKey::solana(23);
    w.admin.set_owner(wallet.id, &owner.address()).unwrap();
    let agent = w.agent(wallet.id);
    let actions = w.admin.owner_actions();
    let cascaded = agent.send(&req(&wallet.address, "20")).unwrap().id;
    let unseen = agent.send(&req(&wallet.address, "20")).unwrap().id;
    let msg = |id| {
        actions
            .approval_request(id)
            .unwrap()
            .approve_message
            .unwrap()
    };
    let (m1, m2) = (msg(cascaded), msg(unseen));

    // Revoked through the store: the cascade cancelled it.
    let session = agent.transaction(cascaded).unwrap().session_id.unwrap();
    w.admin.revoke_session(session).unwrap();
    assert_eq!(
        actions
            .approve(cascaded, &owner.sign(&m1), &m1)
            .unwrap_err()
            .code(),
        "TX_ALREADY_PROCESSED"
    );
    // A revocation that did not cascade: the approval's claim refuses it itself.
    rusqlite_conn(&w)
        .execute(
            "UPDATE transactions SET status = 'PENDING_APPROVAL', error_code = NULL WHERE id = ?1",
            [unseen.to_string()],
        )
        .unwrap();
    rusqlite_conn(&w)
        .execute(
            "UPDATE spend_ledger SET status = 'RESERVED' WHERE request_id = ?1",
            [unseen.to_string()],
        )
        .unwrap();
    assert_eq!(
        actions
            .approve(unseen, &owner.sign(&m2), &m2)
            .unwrap_err()
            .code(),
        "SESSION_REVOKED"
    );
    for id in [cascaded, unseen] {
        let tx = w.admin.transaction(id).unwrap();
        assert_eq!(tx.status, TxStatus::Cancelled);
        assert_eq!(tx.error.unwrap().code, "SESSION_REVOKED");
        assert!(tx.result.is_none());
        assert!(audit_details(&w, id, "TX_SIGNED").is_empty());
    }
}

fn whitelist_and_time(w: &World, wallet: &WalletInfo, allowed: &[&str]) -> (PolicyId, PolicyId) {
    let list = policy(
        w,
        wallet.id,
        PolicyType::Whitelist,
        json!({ "allowed_addresses": allowed }),
    );
    // T0 is 08:00 UTC: allowed 08:00-08:59.
    let hours = policy(
        w,
        wallet.id,
        PolicyType::TimeRestriction,
        json!({ "allowed_hours": { "start": 8, "end": 9 }, "timezone": "UTC" }),
    );
    (list, hours)
}

const ALICE: &str = "9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM";
const BOB: &str = "4Nd1mBQtrMJVYVfKf2PJy9NZUZdTAsp7D4xWLs4gDB4T";

#[test]
fn a_whitelist_tightened_after_queueing_denies_at_execution() {
    let w = world();
    let (wallet, _) = capped(&w, 500);
    let owner = OwnerKey::solana(24);
    let (list, _) = whitelist_and_time(&w, &wallet, &[ALICE, BOB]);
    let agent = w.agent(wallet.id);
    let queued = agent.send(&req(ALICE, FIVE)).unwrap();
    assert_eq!(queued.status, TxStatus::Queued);
    w.admin.set_owner(wallet.id, &owner.address()).unwrap();
    let pending = agent.send(&req(ALICE, "20")).unwrap();
    assert_eq!(pending.status, TxStatus::PendingApproval);
    let msg = w
        .admin
        .owner_actions()
        .approval_request(pending.id)
        .unwrap()
        .approve_message
        .unwrap();

    w.admin
        .update_policy(
            list,
            PolicyUpdate {
                rules: Some(json!({ "allowed_addresses": [BOB] })),
                ..PolicyUpdate::default()
            },
        )
        .unwrap();
    // The owner approves what the list no longer allows: refused, nothing signed.
    let err = w
        .admin
        .owner_actions()
        .approve(pending.id, &owner.sign(&msg), &msg)
        .unwrap_err();
    assert_eq!(err.code(), "POLICY_DENIED");
    w.clock.set(T0 + 900);
    w.refresh_prices();
    w.admin.process_due().unwrap();
    for id in [queued.id, pending.id] {
        let tx = w.admin.transaction(id).unwrap();
        assert_eq!(tx.status, TxStatus::Failed);
        let error = tx.error.unwrap();
        assert_eq!(error.code, "POLICY_DENIED");
        assert!(error.message.contains("WHITELIST"), "{}", error.message);
        assert!(tx.result.is_none());
        assert_eq!(reservation(&w, id), "RELEASED");
        let failed = audit_details(&w, id, "TX_FAILED");
        assert_eq!(failed[0]["details"]["stage"], "execution");
    }
    // Released: a 5 SOL send to the recipient still allowed fits the cap again, and
    // the failures (denials) do not count toward AutoStop.
    let again = agent.send(&req(BOB, FIVE)).unwrap();
    assert_eq!(
        (again.status, again.tier),
        (TxStatus::Queued, Some(Tier::Delay))
    );
}

#[test]
fn a_time_window_closed_before_execution_denies_it() {
    let w = world();
    let (wallet, _) = capped(&w, 5000);
    whitelist_and_time(&w, &wallet, &[ALICE]);
    let tx = w.agent(wallet.id).send(&req(ALICE, FIVE)).unwrap();
    assert_eq!(tx.status, TxStatus::Queued);
    // Due at 08:15, first run at 09:00: the window closed.
    assert_never_signs(&w, tx.id, TxStatus::Failed, "POLICY_DENIED");
    let failed = w.admin.transaction(tx.id).unwrap();
    assert!(
        failed.error.unwrap().message.contains("TIME"),
        "the reason names the time restriction"
    );
}

/// The positive path: nothing changed, so the row executes — with a rate limit of one
/// request a day and a daily cap the queued amount exactly fills, which would deny or
/// escalate it if its own admission-time reservation were counted again. What was
/// signed moves the money in litesvm.
#[test]
fn an_unchanged_row_executes_and_its_limits_are_not_counted_twice() {
    let w = world();
    let (wallet, _) = capped(&w, 500);
    whitelist_and_time(&w, &wallet, &[ALICE]);
    policy(
        &w,
        wallet.id,
        PolicyType::RateLimit,
        json!({ "max_requests": 1, "window_seconds": 86_400 }),
    );
    let mut svm = LiteSVM::new();
    let from = solana_pubkey::Pubkey::new_from_array(
        bs58::decode(&wallet.address)
            .into_vec()
            .unwrap()
            .try_into()
            .unwrap(),
    );
    svm.airdrop(&from, 100 * LAMPORTS).unwrap();
    let blockhash = svm.latest_blockhash().to_string();
    let agent = w.agent(wallet.id);
    let tx = agent.send(&req_with(ALICE, FIVE, &blockhash)).unwrap();
    assert_eq!((tx.status, tx.tier), (TxStatus::Queued, Some(Tier::Delay)));
    w.clock.set(T0 + 900);
    w.refresh_prices();
    // Judged against the ledger, which holds this row's own reservation, the same
    // request is over its rate limit: the execution re-judge must not count it again.
    let again = agent.simulate(&req_with(ALICE, FIVE, &blockhash)).unwrap();
    assert!(!again.allowed);
    assert!(
        again.reason_codes().iter().any(|c| c.contains("RATE")),
        "{again:?}"
    );
    w.admin.process_due().unwrap();
    let done = w.admin.transaction(tx.id).unwrap();
    assert_eq!(done.status, TxStatus::Signed, "{:?}", done.error);
    assert_eq!(reservation(&w, tx.id), "COMMITTED");
    execute_base64(&mut svm, common::signed(&done)).unwrap();
    let alice = solana_pubkey::Pubkey::new_from_array(
        bs58::decode(ALICE).into_vec().unwrap().try_into().unwrap(),
    );
    // Five SOL judged with the 5 000-lamport fee: what the recipient gets is the rest.
    assert_eq!(svm.get_balance(&alice).unwrap(), 5 * LAMPORTS - 5_000);
}

#[test]
fn an_approved_row_whose_policies_did_not_change_executes() {
    let w = world();
    let (wallet, _) = capped(&w, 5000);
    whitelist_and_time(&w, &wallet, &[ALICE]);
    let owner = OwnerKey::solana(25);
    w.admin.set_owner(wallet.id, &owner.address()).unwrap();
    let tx = w.agent(wallet.id).send(&req(ALICE, "20")).unwrap();
    assert_eq!(tx.status, TxStatus::PendingApproval);
    let actions = w.admin.owner_actions();
    let msg = actions
        .approval_request(tx.id)
        .unwrap()
        .approve_message
        .unwrap();
    let done = actions.approve(tx.id, &owner.sign(&msg), &msg).unwrap();
    assert_eq!(done.status, TxStatus::Signed);
    assert_eq!(reservation(&w, tx.id), "COMMITTED");
}

// ---- item 11: placement reads inside the admission transaction ----

/// Prices from a static oracle; the first time it is asked while armed, it registers an
/// owner for the wallet — i.e. the owner appears after everything `submit` prepares
/// before its admission transaction, and before that transaction.
#[derive(Debug)]
struct OwnerAppearsDuringPricing {
    prices: Arc<StaticPriceOracle>,
    admin: OnceLock<Admin>,
    armed: AtomicBool,
    wallet: OnceLock<WalletId>,
    owner: String,
}

impl PriceOracle for OwnerAppearsDuringPricing {
    fn quotes(&self, asset_ids: &[String]) -> BTreeMap<String, PriceQuote> {
        if self.armed.swap(false, Ordering::SeqCst) {
            let admin = self.admin.get().unwrap();
            admin
                .set_owner(*self.wallet.get().unwrap(), &self.owner)
                .unwrap();
        }
        self.prices.quotes(asset_ids)
    }

    fn max_age_seconds(&self) -> u64 {
        600
    }
}

#[test]
fn an_owner_registered_before_the_admission_transaction_decides_the_placement() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(waiaas::ManualClock::new(T0));
    let prices = Arc::new(StaticPriceOracle::new(600));
    prices.set_price(
        &native_asset_id(Network::SolanaDevnet),
        Usd::from_u64(SOL_USD),
        "test",
        clock.now_value(),
    );
    let owner = OwnerKey::solana(26);
    let oracle = Arc::new(OwnerAppearsDuringPricing {
        prices,
        admin: OnceLock::new(),
        armed: AtomicBool::new(false),
        wallet: OnceLock::new(),
        owner: owner.address(),
    });
    let admin = Waiaas::create(
        dir.path().join("vault"),
        Some(pw()),
        &common::config(),
        waiaas::Host {
            prices: oracle.clone(),
            ..common::host(&clock, &Arc::new(StaticPriceOracle::new(600)))
        },
    )
    .unwrap();
    oracle.admin.set(admin.clone()).unwrap();
    let wallet = admin.create_wallet("agent", Network::SolanaDevnet).unwrap();
    oracle.wallet.set(wallet.id).unwrap();
    admin
        .create_policy(
            NewPolicy::new(
                PolicyType::SpendingLimit,
                json!({ "instant_max_usd": 10, "notify_max_usd": 100, "delay_max_usd": 1000 }),
            )
            .for_wallet(wallet.id),
        )
        .unwrap();
    let issued = admin
        .create_session(&CreateSession::new(vec![wallet.id]))
        .unwrap();
    let agent: Agent = admin.agent(issued.token.expose()).unwrap();
    oracle.armed.store(true, Ordering::SeqCst);
    // 20 SOL = 2000 USD: APPROVAL. The owner did not exist when `submit` began; it
    // exists when the admission transaction runs, so the owner is asked (a read before
    // the transaction would have placed it DELAY, no owner to ask).
    let tx = agent.send(&req(&wallet.address, "20")).unwrap();
    assert!(!oracle.armed.load(Ordering::SeqCst), "the hook ran");
    assert_eq!(tx.tier, Some(Tier::Approval));
    assert_eq!(tx.status, TxStatus::PendingApproval);
    assert!(tx.expires_at.is_some());
}

// ---- item 11: amounts the chain's integer cannot hold ----

#[test]
fn solana_amounts_above_u64_are_refused_at_validation_and_never_reserved() {
    let w = world();
    let (wallet, _) = capped(&w, 5000);
    let agent = w.agent(wallet.id);
    let over = "18446744073.709551616"; // u64::MAX + 1 lamports
    let err = agent.send(&req(&wallet.address, over)).unwrap_err();
    assert_eq!(err.code(), "INVALID_AMOUNT");
    let token = waiaas::TokenSpec {
        decimals: Some(6),
        ..waiaas::TokenSpec::new(ALICE)
    };
    let spl = |amount: &str, approve: bool| SendRequest {
        chain: ChainParams {
            recent_blockhash: Some(BLOCKHASH.to_owned()),
            ..ChainParams::default()
        },
        ..SendRequest::new(if approve {
            Operation::Approve {
                spender: BOB.to_owned(),
                token: token.clone(),
                amount: amount.into(),
                token_program: None,
            }
        } else {
            Operation::TokenTransfer {
                to: BOB.to_owned(),
                token: token.clone(),
                amount: amount.into(),
                token_program: None,
            }
        })
    };
    for approve in [false, true] {
        let err = agent
            .send(&spl("18446744073709.551616", approve))
            .unwrap_err();
        assert_eq!(err.code(), "INVALID_AMOUNT", "approve: {approve}");
    }
    // Nothing was stored or reserved.
    assert!(
        w.admin
            .transactions(&Default::default())
            .unwrap()
            .is_empty()
    );
    let reserved: i64 = rusqlite_conn(&w)
        .query_row("SELECT COUNT(*) FROM spend_ledger", [], |r| r.get(0))
        .unwrap();
    assert_eq!(reserved, 0);
    // The largest u64 passes validation (and is then judged: far above every limit).
    let max = agent
        .send(&req(&wallet.address, "18446744073.709551615"))
        .unwrap();
    assert_eq!(max.tier, Some(Tier::Approval));
    // SPL at the u64 maximum also passes validation (judged, here denied: no
    // ALLOWED_TOKENS).
    assert_eq!(
        agent
            .send(&spl("18446744073709.551615", false))
            .unwrap_err()
            .code(),
        "POLICY_DENIED"
    );
    // EVM amounts are uint256: the same number is a valid amount there.
    let evm = w.wallet(Network::EthereumSepolia);
    let evm_agent = w.agent(evm.id);
    let evm_tx = evm_agent.simulate(&SendRequest {
        chain: ChainParams {
            max_fee_per_gas: Some("1000000000".to_owned()),
            max_priority_fee_per_gas: Some("1".to_owned()),
            ..ChainParams::default()
        },
        ..SendRequest::transfer(&evm.address, "18446744073.709551616")
    });
    assert!(evm_tx.is_ok(), "{evm_tx:?}");
}
