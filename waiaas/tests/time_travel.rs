//! Time only moves forward: after the host clock steps back, every security decision
//! still uses the latest time already seen (persisted in the store), so an expired
//! token stays expired, spends keep counting in their windows, and a DELAY keeps its
//! full delay — also across a reopen of the vault.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "test code: a panic is a test failure"
)]

mod common;

use common::{T0, World, world};
use serde_json::json;
use waiaas::{Admin, Network, NewPolicy};
use waiaas_core::policy::{ApprovalReason, PolicyType};
use waiaas_core::session::CreateSession;
use waiaas_core::{Tier, TxStatus, WalletId};

const DAY: i64 = 86_400;

use common::sol_req as req;

fn session_token(admin: &Admin, wallet: WalletId) -> String {
    admin
        .create_session(&CreateSession {
            ttl: Some(3600),
            ..CreateSession::new(vec![wallet])
        })
        .unwrap()
        .token
        .expose()
        .to_owned()
}

/// A wallet with INSTANT ≤ 10 USD and a rolling daily cap of 20 USD (exceeding it
/// escalates to APPROVAL, which without an owner is placed as DELAY).
fn capped_wallet(w: &World) -> waiaas_core::WalletInfo {
    let wallet = w
        .admin
        .create_wallet("capped", Network::SolanaDevnet)
        .unwrap();
    w.admin
        .create_policy(
            NewPolicy::new(
                PolicyType::SpendingLimit,
                json!({
                    "instant_max_usd": 10, "notify_max_usd": 100, "delay_max_usd": 1000,
                    "delay_seconds": 900, "daily_limit_usd": 20
                }),
            )
            .for_wallet(wallet.id),
        )
        .unwrap();
    wallet
}

#[test]
fn an_expired_token_stays_expired_when_the_clock_steps_back() {
    let w = world();
    let wallet = w.wallet(Network::SolanaDevnet);
    let token = session_token(&w.admin, wallet.id);
    // Valid before its expiry.
    w.admin.agent(&token).unwrap();
    w.clock.set(T0 + 3600);
    assert_eq!(w.admin.agent(&token).unwrap_err().code(), "TOKEN_EXPIRED");

    // The clock steps back an hour: still expired.
    w.clock.set(T0 + 100);
    assert_eq!(w.admin.agent(&token).unwrap_err().code(), "TOKEN_EXPIRED");
    w.clock.set(T0 + 1900);
    assert_eq!(w.admin.agent(&token).unwrap_err().code(), "TOKEN_EXPIRED");

    // Across a reopen of the vault, with the clock still behind: still expired.
    let reopened = w.reopen();
    assert_eq!(reopened.agent(&token).unwrap_err().code(), "TOKEN_EXPIRED");

    // Positive path: a session created now works, and expires an hour after the
    // latest time seen (not after the stepped-back clock).
    let fresh = session_token(&reopened, wallet.id);
    let sessions = reopened.sessions(Some(wallet.id)).unwrap();
    let newest = sessions.iter().max_by_key(|s| s.created_at).unwrap();
    assert_eq!(newest.expires_at, Some(T0 + 3600 + 3600));
    reopened.agent(&fresh).unwrap();
}

#[test]
fn a_session_past_its_absolute_lifetime_stays_expired_when_the_clock_steps_back() {
    let w = world();
    let wallet = w.wallet(Network::SolanaDevnet);
    let token = w
        .admin
        .create_session(&CreateSession {
            ttl: Some(3600),
            absolute_lifetime: 1800,
            ..CreateSession::new(vec![wallet.id])
        })
        .unwrap()
        .token
        .expose()
        .to_owned();
    w.clock.set(T0 + 1800);
    let refused = w.admin.agent(&token).unwrap_err().code();
    assert!(
        refused == "TOKEN_EXPIRED" || refused == "SESSION_EXPIRED",
        "{refused}"
    );
    w.clock.set(T0 + 10);
    assert_eq!(w.admin.agent(&token).unwrap_err().code(), refused);
}

/// Ten payments of 9 USD against a 20 USD daily cap, the clock stepped back between
/// them (first behind the daily window's eviction cursor, then further): at most two
/// are INSTANT, every other one escalates; nothing signs past the cap.
#[test]
fn payments_keep_counting_in_the_daily_window_when_the_clock_steps_back() {
    let w = world();
    let wallet = capped_wallet(&w);
    let token = session_token(&w.admin, wallet.id);
    let agent = w.admin.agent(&token).unwrap();
    let nine_usd = "0.09"; // SOL at 100 USD

    // Yesterday's payment, then a day later another: the window evicts the first and
    // moves its cursor to `T0 + DAY + 100 - DAY`.
    let first = agent.send(&req(&wallet.address, nine_usd)).unwrap();
    assert_eq!(first.tier, Some(Tier::Instant));
    assert_eq!(first.status, TxStatus::Signed);
    w.clock.set(T0 + DAY + 100);
    w.refresh_prices();
    // A new session: the first one expired during the day.
    let token = session_token(&w.admin, wallet.id);
    let agent = w.admin.agent(&token).unwrap();

    let mut instant = 0;
    let mut escalated = Vec::new();
    for i in 0..10i64 {
        if i > 0 {
            // Step back: first behind the cursor, then a little further each time.
            w.clock.set(T0 + 50 - i);
        }
        let tx = agent.send(&req(&wallet.address, nine_usd)).unwrap();
        match tx.tier {
            Some(Tier::Instant) => {
                assert_eq!(tx.status, TxStatus::Signed);
                instant += 1;
            }
            Some(Tier::Approval) => {
                // No owner: APPROVAL is placed as DELAY, nothing signed.
                assert_ne!(tx.status, TxStatus::Signed);
                assert_eq!(
                    tx.decision.as_ref().unwrap().approval_reason,
                    Some(ApprovalReason::CumulativeDaily)
                );
                escalated.push(tx.id);
            }
            other => panic!("payment {i}: unexpected tier {other:?}"),
        }
    }
    assert_eq!(instant, 2, "9 + 9 ≤ 20, a third 9 is over the cap");
    assert_eq!(escalated.len(), 8);

    // Across a reopen, the clock further back: the window still holds the spends.
    w.clock.set(T0 - 1000);
    let reopened = w.reopen();
    let agent = reopened.agent(&token).unwrap();
    let tx = agent.send(&req(&wallet.address, nine_usd)).unwrap();
    assert_eq!(tx.tier, Some(Tier::Approval));
    escalated.push(tx.id);

    // Positive path: with the queued ones cancelled (their reservations released) and
    // a day passed after the latest time seen, the spends age out and a payment is
    // INSTANT again.
    for id in escalated {
        assert_eq!(
            reopened.cancel_transaction(id).unwrap().status,
            TxStatus::Cancelled
        );
    }
    w.clock.set(T0 + 2 * DAY + 200);
    w.refresh_prices();
    let token = session_token(&reopened, wallet.id);
    let agent = reopened.agent(&token).unwrap();
    let tx = agent.send(&req(&wallet.address, nine_usd)).unwrap();
    assert_eq!(tx.tier, Some(Tier::Instant));
    assert_eq!(tx.status, TxStatus::Signed);
}

/// The same, with the price quotes stamped by the stepped-back clock (an oracle on the
/// same host): before the time mark, every payment here signed INSTANT (ten of 9 USD
/// against a 20 USD cap). Now at most two do; the others escalate (the window holds the
/// spends, and quotes older than the latest time seen are stale: unknown prices fail
/// closed to APPROVAL).
#[test]
fn payments_with_quotes_from_the_stepped_back_clock_stay_under_the_cap() {
    let w = world();
    let wallet = capped_wallet(&w);
    let agent = w.admin.agent(&session_token(&w.admin, wallet.id)).unwrap();
    assert_eq!(
        agent.send(&req(&wallet.address, "0.09")).unwrap().tier,
        Some(Tier::Instant)
    );
    w.clock.set(T0 + DAY + 100);
    w.refresh_prices();
    let agent = w.admin.agent(&session_token(&w.admin, wallet.id)).unwrap();
    let mut signed = 0;
    for i in 0..10i64 {
        if i > 0 {
            w.clock.set(T0 + 50 - i);
            w.refresh_prices();
        }
        let tx = agent.send(&req(&wallet.address, "0.09")).unwrap();
        if tx.status == TxStatus::Signed {
            signed += 1;
        } else {
            assert_eq!(tx.tier, Some(Tier::Approval), "payment {i}");
        }
    }
    assert!(
        signed <= 2,
        "{signed} payments of 9 USD signed against a 20 USD cap"
    );
}

/// A DELAY queued while the clock is behind keeps its full delay after the latest time
/// seen: when the clock is put right it is not executed early.
#[test]
fn a_delay_is_not_executed_early_after_the_clock_steps_back() {
    let w = world();
    let wallet = w.wallet(Network::SolanaDevnet);
    let token = session_token(&w.admin, wallet.id);
    // The latest time seen: T0 + 3000 (a verification at that time).
    w.clock.set(T0 + 3000);
    w.refresh_prices();
    let agent = w.admin.agent(&token).unwrap();

    // The clock steps back an hour; a 500 USD payment is queued (DELAY, 900 s).
    w.clock.set(T0 - 600);
    let tx = agent.send(&req(&wallet.address, "5")).unwrap();
    assert_eq!(tx.status, TxStatus::Queued);
    assert!(
        tx.execute_after.unwrap() >= T0 + 3000 + 900,
        "{:?}",
        tx.execute_after
    );

    // The clock is put right (just after the latest time seen): not due yet.
    w.clock.set(T0 + 3010);
    assert!(w.admin.process_due().unwrap().is_empty());
    assert_eq!(agent.transaction(tx.id).unwrap().status, TxStatus::Queued);
    // Not across a reopen either, with the clock stepped back again.
    w.clock.set(T0);
    let reopened = w.reopen();
    assert!(reopened.process_due().unwrap().is_empty());

    // Positive path: 900 s after the latest time seen, it executes.
    w.clock.set(T0 + 3000 + 900);
    w.refresh_prices();
    let done = reopened.process_due().unwrap();
    assert_eq!(done.len(), 1);
    assert_eq!(
        reopened.transaction(tx.id).unwrap().status,
        TxStatus::Signed
    );
}

/// An approval whose window closed cannot be approved by stepping the clock back.
#[test]
fn an_expired_approval_cannot_be_approved_after_the_clock_steps_back() {
    let w = world();
    let wallet = w.wallet(Network::SolanaDevnet);
    let owner_key = common::OwnerKey::solana(7);
    w.admin.set_owner(wallet.id, &owner_key.address()).unwrap();
    let agent = w.agent(wallet.id);
    let pending = |agent: &waiaas::Agent| {
        let tx = agent.send(&req(&wallet.address, "20")).unwrap();
        assert_eq!(tx.status, TxStatus::PendingApproval);
        tx
    };
    let late = pending(&agent);
    let owner = w.admin.owner_actions();
    let late_msg = owner
        .approval_request(late.id)
        .unwrap()
        .approve_message
        .unwrap();
    // The window closes (seen by a time-reading call), then the clock steps back.
    w.clock.set(late.expires_at.unwrap());
    w.admin.sessions(None).unwrap();
    w.clock.set(T0 + 10);
    assert_eq!(
        owner
            .approve(late.id, &owner_key.sign(&late_msg), &late_msg)
            .unwrap_err()
            .code(),
        "APPROVAL_TIMEOUT"
    );
    assert_ne!(
        w.admin.transaction(late.id).unwrap().status,
        TxStatus::Signed
    );
    // Positive path (a separate world: time has moved on here for good).
    let w2 = world();
    let wallet2 = w2.wallet(Network::SolanaDevnet);
    w2.admin
        .set_owner(wallet2.id, &owner_key.address())
        .unwrap();
    let agent2 = w2.agent(wallet2.id);
    let tx = agent2.send(&req(&wallet2.address, "20")).unwrap();
    let owner2 = w2.admin.owner_actions();
    let msg = owner2
        .approval_request(tx.id)
        .unwrap()
        .approve_message
        .unwrap();
    let signed = owner2.approve(tx.id, &owner_key.sign(&msg), &msg).unwrap();
    assert_eq!(signed.status, TxStatus::Signed);
}
