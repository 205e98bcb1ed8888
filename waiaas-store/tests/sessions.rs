//! Sessions: the verification order and codes, JWT attacks, renewal rules, caps,
//! revocation across processes, secret rotation.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "test code: a panic is a test failure"
)]

mod common;

use std::sync::{Arc, Barrier};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use common::{PASSWORD, T0, fixture};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use waiaas_core::session::{
    CreateSession, Permission, SessionConfig, SessionIssuer, SessionStatus,
};
use waiaas_core::{ErrorCode, Network, WalletId};

fn code<T: std::fmt::Debug, E: ErrorCode>(r: Result<T, E>) -> &'static str {
    r.expect_err("expected an error").code()
}

struct Setup {
    f: common::Fixture,
    issuer: SessionIssuer,
    wallet: WalletId,
    other: WalletId,
}

fn setup() -> Setup {
    let f = fixture();
    let wallet = f
        .vault
        .create_wallet("agent", Network::SolanaDevnet)
        .unwrap()
        .id;
    let other = f
        .vault
        .create_wallet("other", Network::EthereumSepolia)
        .unwrap()
        .id;
    let issuer = SessionIssuer::new(f.vault.clone(), SessionConfig::default()).unwrap();
    Setup {
        f,
        issuer,
        wallet,
        other,
    }
}

fn session(wallet: WalletId, ttl: Option<u64>) -> CreateSession {
    CreateSession {
        ttl,
        ..CreateSession::new(vec![wallet])
    }
}

/// Splits `wai_sess_<h>.<p>.<s>` into decoded JSON header, JSON payload and signature.
fn parts(token: &str) -> (serde_json::Value, serde_json::Value, String) {
    let jwt = token.strip_prefix("wai_sess_").unwrap();
    let v: Vec<&str> = jwt.split('.').collect();
    let dec = |s: &str| serde_json::from_slice(&B64URL.decode(s).unwrap()).unwrap();
    (dec(v[0]), dec(v[1]), v[2].to_owned())
}

fn assemble(header: &serde_json::Value, payload: &serde_json::Value, sig: &str) -> String {
    format!(
        "wai_sess_{}.{}.{sig}",
        B64URL.encode(header.to_string()),
        B64URL.encode(payload.to_string())
    )
}

fn hs256(header: &serde_json::Value, payload: &serde_json::Value, key: &[u8]) -> String {
    let input = format!(
        "{}.{}",
        B64URL.encode(header.to_string()),
        B64URL.encode(payload.to_string())
    );
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap();
    mac.update(input.as_bytes());
    format!(
        "wai_sess_{input}.{}",
        B64URL.encode(mac.finalize().into_bytes())
    )
}

#[test]
fn a_fresh_token_verifies_for_its_wallet_and_default_permissions() {
    let s = setup();
    let issued = s.issuer.create(&session(s.wallet, Some(3600))).unwrap();
    assert!(issued.token.expose().starts_with("wai_sess_"));
    let v = s
        .issuer
        .verify_access(issued.token.expose(), s.wallet, Permission::Transaction)
        .unwrap();
    assert_eq!(v.session_id, issued.info.id);
    assert_eq!(
        v.permissions,
        vec![Permission::Transaction, Permission::BalanceRead]
    );
    assert_eq!(issued.info.expires_at, Some(T0 + 3600));
    assert_eq!(issued.info.status, SessionStatus::Active);
}

#[test]
fn alg_none_and_other_algorithms_are_refused() {
    let s = setup();
    let token = s
        .issuer
        .create(&session(s.wallet, Some(3600)))
        .unwrap()
        .token;
    let (header, payload, sig) = parts(token.expose());
    for alg in ["none", "None", "HS512", "RS256", "ES256", "hs256", ""] {
        let mut h = header.clone();
        h["alg"] = alg.into();
        // Keep the original signature, and also try an empty one (`alg: none` style).
        for sig in [sig.as_str(), ""] {
            let forged = assemble(&h, &payload, sig);
            assert_eq!(
                code(s.issuer.verify(&forged)),
                "INVALID_TOKEN",
                "alg {alg:?} sig {sig:?}"
            );
        }
    }
    // An extra header field (e.g. `jku`, `crit`) is refused too.
    let mut h = header.clone();
    h["jku"] = "https://attacker.example/keys".into();
    assert_eq!(
        code(s.issuer.verify(&assemble(&h, &payload, &sig))),
        "INVALID_TOKEN"
    );
}

#[test]
fn token_signed_with_another_secret_is_refused() {
    let s = setup();
    let token = s
        .issuer
        .create(&session(s.wallet, Some(3600)))
        .unwrap()
        .token;
    let (header, payload, _) = parts(token.expose());
    let forged = hs256(&header, &payload, &[7u8; 32]);
    assert_eq!(code(s.issuer.verify(&forged)), "INVALID_TOKEN");
    // An empty key, the classic mistake.
    assert_eq!(
        code(s.issuer.verify(&hs256(&header, &payload, b""))),
        "INVALID_TOKEN"
    );
}

#[test]
fn edited_payload_with_the_old_signature_is_refused() {
    let s = setup();
    let token = s
        .issuer
        .create(&session(s.wallet, Some(3600)))
        .unwrap()
        .token;
    let (header, payload, sig) = parts(token.expose());
    let mut edits = Vec::new();
    let mut p = payload.clone();
    p["exp"] = (T0 + 10_000_000).into();
    edits.push(p);
    let mut p = payload.clone();
    p["gen"] = 2.into();
    edits.push(p);
    let mut p = payload.clone();
    p["sub"] = WalletId::new().to_string().into();
    edits.push(p);
    let mut p = payload.clone();
    p.as_object_mut().unwrap().remove("exp");
    edits.push(p);
    for p in edits {
        assert_eq!(
            code(s.issuer.verify(&assemble(&header, &p, &sig))),
            "INVALID_TOKEN",
            "{p}"
        );
    }
    // One flipped character in the signature.
    let mut chars: Vec<char> = token.expose().chars().collect();
    let last = chars.len() - 2;
    chars[last] = if chars[last] == 'A' { 'B' } else { 'A' };
    let flipped: String = chars.into_iter().collect();
    assert_eq!(code(s.issuer.verify(&flipped)), "INVALID_TOKEN");
}

#[test]
fn expiry_is_exact_with_no_leeway() {
    let s = setup();
    let token = s
        .issuer
        .create(&session(s.wallet, Some(300)))
        .unwrap()
        .token;
    let exp = T0 + 300;
    s.f.clock.set(exp - 2);
    assert!(s.issuer.verify(token.expose()).is_ok());
    s.f.clock.set(exp - 1);
    assert!(s.issuer.verify(token.expose()).is_ok());
    s.f.clock.set(exp);
    assert_eq!(code(s.issuer.verify(token.expose())), "TOKEN_EXPIRED");
    s.f.clock.set(exp + 1);
    assert_eq!(code(s.issuer.verify(token.expose())), "TOKEN_EXPIRED");
}

#[test]
fn pre_renewal_token_is_superseded_at_once() {
    let s = setup();
    let old = s
        .issuer
        .create(&session(s.wallet, Some(600)))
        .unwrap()
        .token;
    s.f.clock.advance(301);
    let renewed = s.issuer.renew(old.expose()).unwrap();
    assert_eq!(code(s.issuer.verify(old.expose())), "TOKEN_SUPERSEDED");
    assert!(s.issuer.verify(renewed.token.expose()).is_ok());
    // The old token cannot renew either.
    assert_eq!(code(s.issuer.renew(old.expose())), "TOKEN_SUPERSEDED");
}

#[test]
fn revoked_session_is_refused_by_every_handle_at_once() {
    let s = setup();
    let token = s
        .issuer
        .create(&session(s.wallet, Some(3600)))
        .unwrap()
        .token;
    // A second, independent handle on the same database, as another process has.
    let other = Arc::new(s.f.reopen(PASSWORD).unwrap());
    let other_issuer = SessionIssuer::new(other, SessionConfig::default()).unwrap();
    assert!(other_issuer.verify(token.expose()).is_ok());
    let id = s.issuer.verify(token.expose()).unwrap().session_id;
    s.issuer.revoke(id).unwrap();
    assert_eq!(code(other_issuer.verify(token.expose())), "SESSION_REVOKED");
    assert_eq!(code(s.issuer.verify(token.expose())), "SESSION_REVOKED");
    assert_eq!(code(s.issuer.renew(token.expose())), "SESSION_REVOKED");
    // Revoking again is fine; an unknown id is not.
    s.issuer.revoke(id).unwrap();
    assert_eq!(
        code(s.issuer.revoke(waiaas_core::SessionId::new())),
        "SESSION_NOT_FOUND"
    );
}

/// Child half of `revocation_reaches_another_os_process`: verifies a token given in
/// the environment and prints the outcome code.
#[test]
fn child_verify_token_from_env() {
    let (Ok(dir), Ok(token)) = (
        std::env::var("WAIAAS_TEST_DIR"),
        std::env::var("WAIAAS_TEST_TOKEN"),
    ) else {
        return; // Not running as the child.
    };
    let data = waiaas_core::DataDir::new(dir);
    let clock = Arc::new(waiaas_core::ManualClock::new(T0));
    let vault = waiaas_core::Vault::unlock(
        common::open_store(&data),
        &common::password(PASSWORD),
        common::options(&clock, &data),
    )
    .unwrap();
    let issuer = SessionIssuer::new(Arc::new(vault), SessionConfig::default()).unwrap();
    let outcome = match issuer.verify(&token) {
        Ok(_) => "OK",
        Err(e) => e.code(),
    };
    println!("\nCHILD_OUTCOME={outcome}");
}

#[test]
fn revocation_reaches_another_os_process() {
    let s = setup();
    let token = s
        .issuer
        .create(&session(s.wallet, Some(3600)))
        .unwrap()
        .token;
    let run_child = || {
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "child_verify_token_from_env",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("WAIAAS_TEST_DIR", s.f.data().root())
            .env("WAIAAS_TEST_TOKEN", token.expose())
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "child failed: {stdout} {}",
            String::from_utf8_lossy(&out.stderr)
        );
        stdout
            .split("CHILD_OUTCOME=")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap_or_else(|| panic!("child printed no outcome: {stdout}"))
            .to_owned()
    };
    assert_eq!(run_child(), "OK");
    let id = s.issuer.verify(token.expose()).unwrap().session_id;
    s.issuer.revoke(id).unwrap();
    assert_eq!(run_child(), "SESSION_REVOKED");
}

#[test]
fn token_for_an_unlinked_wallet_or_missing_permission_is_refused() {
    let s = setup();
    let token = s
        .issuer
        .create(&session(s.wallet, Some(3600)))
        .unwrap()
        .token;
    assert_eq!(
        code(
            s.issuer
                .verify_access(token.expose(), s.other, Permission::Transaction)
        ),
        "WALLET_ACCESS_DENIED"
    );
    assert_eq!(
        code(
            s.issuer
                .verify_access(token.expose(), s.wallet, Permission::SignMessage)
        ),
        "PERMISSION_DENIED"
    );
    // Wallet is checked before permission.
    assert_eq!(
        code(
            s.issuer
                .verify_access(token.expose(), s.other, Permission::SignTypedData)
        ),
        "WALLET_ACCESS_DENIED"
    );
}

#[test]
fn missing_or_wrong_prefix_and_garbage_are_invalid_tokens() {
    let s = setup();
    let token = s
        .issuer
        .create(&session(s.wallet, Some(3600)))
        .unwrap()
        .token;
    let jwt = token.expose().strip_prefix("wai_sess_").unwrap().to_owned();
    let long = format!("wai_sess_{}", "a".repeat(5000));
    let cases = [
        String::new(),
        jwt.clone(),
        format!("wai_live_{jwt}"),
        format!("WAI_SESS_{jwt}"),
        format!(" {}", token.expose()),
        format!("{} ", token.expose()),
        format!("Bearer {}", token.expose()),
        "wai_sess_".to_owned(),
        "wai_sess_a.b".to_owned(),
        "wai_sess_a.b.c.d".to_owned(),
        format!("{}.", token.expose()),
        format!("{}=", token.expose()),
        long,
        "wai_sess_\u{200b}".to_owned(),
    ];
    for t in &cases {
        assert_eq!(code(s.issuer.verify(t)), "INVALID_TOKEN", "{t:?}");
    }
}

#[test]
fn token_from_another_vault_is_refused() {
    let a = setup();
    let b = setup();
    let token = a
        .issuer
        .create(&session(a.wallet, Some(3600)))
        .unwrap()
        .token;
    assert_eq!(code(b.issuer.verify(token.expose())), "INVALID_TOKEN");
}

#[test]
fn unknown_session_is_session_not_found() {
    let s = setup();
    let token = s
        .issuer
        .create(&session(s.wallet, Some(3600)))
        .unwrap()
        .token;
    let id = s.issuer.verify(token.expose()).unwrap().session_id;
    s.f.raw()
        .execute("DELETE FROM sessions WHERE id = ?1", [id.to_string()])
        .unwrap();
    assert_eq!(code(s.issuer.verify(token.expose())), "SESSION_NOT_FOUND");
}

#[test]
fn absolute_lifetime_expires_an_unlimited_session() {
    let s = setup();
    let req = CreateSession {
        absolute_lifetime: 3600,
        ..session(s.wallet, None)
    };
    let token = s.issuer.create(&req).unwrap().token;
    s.f.clock.advance(3599);
    assert!(s.issuer.verify(token.expose()).is_ok());
    s.f.clock.advance(1);
    assert_eq!(code(s.issuer.verify(token.expose())), "SESSION_EXPIRED");
}

#[test]
fn renewal_too_early_and_at_half_ttl() {
    let s = setup();
    let token = s
        .issuer
        .create(&session(s.wallet, Some(600)))
        .unwrap()
        .token;
    s.f.clock.set(T0 + 299);
    match s.issuer.renew(token.expose()).unwrap_err() {
        waiaas_core::SessionError::RenewalTooEarly { retry_after_secs } => {
            assert_eq!(retry_after_secs, 1)
        }
        e => panic!("expected RENEWAL_TOO_EARLY, got {e:?}"),
    }
    s.f.clock.set(T0 + 301);
    let renewed = s.issuer.renew(token.expose()).unwrap();
    assert_eq!(renewed.info.expires_at, Some(T0 + 301 + 600));
    assert_eq!(renewed.info.renewal_count, 1);
    // The new token's own clock starts now: renewing it at once is too early.
    assert_eq!(
        code(s.issuer.renew(renewed.token.expose())),
        "RENEWAL_TOO_EARLY"
    );
}

#[test]
fn renewal_limit_is_enforced() {
    let s = setup();
    let req = CreateSession {
        max_renewals: 2,
        ..session(s.wallet, Some(600))
    };
    let mut token = s.issuer.create(&req).unwrap().token;
    for _ in 0..2 {
        s.f.clock.advance(300);
        token = s.issuer.renew(token.expose()).unwrap().token;
    }
    s.f.clock.advance(300);
    assert_eq!(
        code(s.issuer.renew(token.expose())),
        "RENEWAL_LIMIT_REACHED"
    );
    assert!(s.issuer.verify(token.expose()).is_ok());
}

#[test]
fn absolute_lifetime_clamps_the_renewed_expiry_then_refuses() {
    let s = setup();
    let req = CreateSession {
        absolute_lifetime: 5000,
        ..session(s.wallet, Some(3600))
    };
    let token = s.issuer.create(&req).unwrap().token;
    s.f.clock.set(T0 + 1800);
    let renewed = s.issuer.renew(token.expose()).unwrap();
    assert_eq!(
        renewed.info.expires_at,
        Some(T0 + 5000),
        "exp clamped to the absolute end"
    );
    s.f.clock.set(T0 + 4000);
    assert_eq!(
        code(s.issuer.renew(renewed.token.expose())),
        "SESSION_ABSOLUTE_LIFETIME_EXCEEDED"
    );
    s.f.clock.set(T0 + 5000);
    assert_eq!(
        code(s.issuer.verify(renewed.token.expose())),
        "TOKEN_EXPIRED"
    );
}

#[test]
fn unlimited_session_needs_no_renewal() {
    let s = setup();
    let issued = s.issuer.create(&session(s.wallet, None)).unwrap();
    assert_eq!(issued.info.expires_at, None);
    let (_, payload, _) = parts(issued.token.expose());
    assert!(payload.get("exp").is_none());
    s.f.clock.advance(100 * 365 * 86_400);
    assert!(s.issuer.verify(issued.token.expose()).is_ok());
    assert_eq!(
        code(s.issuer.renew(issued.token.expose())),
        "RENEWAL_NOT_REQUIRED"
    );
}

#[test]
fn concurrent_renewals_with_one_token_let_exactly_one_win() {
    for _ in 0..5 {
        let s = setup();
        let token = s
            .issuer
            .create(&session(s.wallet, Some(600)))
            .unwrap()
            .token;
        s.f.clock.advance(400);
        // Each thread has its own handle (own connection), like separate processes.
        let issuers: Vec<SessionIssuer> = (0..4)
            .map(|_| {
                SessionIssuer::new(
                    Arc::new(s.f.reopen(PASSWORD).unwrap()),
                    SessionConfig::default(),
                )
                .unwrap()
            })
            .collect();
        let barrier = Barrier::new(issuers.len());
        let results: Vec<Result<_, _>> = std::thread::scope(|scope| {
            let handles: Vec<_> = issuers
                .iter()
                .map(|i| {
                    let (barrier, token) = (&barrier, token.expose());
                    scope.spawn(move || {
                        barrier.wait();
                        i.renew(token)
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let wins = results.iter().filter(|r| r.is_ok()).count();
        assert_eq!(wins, 1, "{results:?}");
        for r in results.iter().filter_map(|r| r.as_ref().err()) {
            assert!(
                matches!(r.code(), "SESSION_RENEWAL_MISMATCH" | "TOKEN_SUPERSEDED"),
                "{r:?}"
            );
        }
        let info = s.issuer.list(Some(s.wallet)).unwrap();
        assert_eq!(info[0].renewal_count, 1);
    }
}

#[test]
fn per_wallet_cap_of_active_sessions() {
    let s = setup();
    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.push(
            s.issuer
                .create(&session(s.wallet, Some(3600)))
                .unwrap()
                .info
                .id,
        );
    }
    match s.issuer.create(&session(s.wallet, Some(3600))).unwrap_err() {
        waiaas_core::SessionError::SessionLimitExceeded { wallet_id, max } => {
            assert_eq!((wallet_id, max), (s.wallet, 5));
        }
        e => panic!("expected SESSION_LIMIT_EXCEEDED, got {e:?}"),
    }
    // A multi-wallet session counts against each of its wallets.
    let multi = CreateSession::new(vec![s.other, s.wallet]);
    assert_eq!(code(s.issuer.create(&multi)), "SESSION_LIMIT_EXCEEDED");
    // Revoked and expired sessions free their slot.
    s.issuer.revoke(ids[0]).unwrap();
    s.issuer.create(&session(s.wallet, Some(3600))).unwrap();
    assert_eq!(
        code(s.issuer.create(&session(s.wallet, Some(3600)))),
        "SESSION_LIMIT_EXCEEDED"
    );
    s.f.clock.advance(3600);
    s.issuer.create(&session(s.wallet, Some(3600))).unwrap();
    // The cap is configurable.
    let strict = SessionIssuer::new(
        s.f.vault.clone(),
        SessionConfig {
            max_active_per_wallet: 1,
        },
    )
    .unwrap();
    strict.create(&session(s.other, Some(3600))).unwrap();
    assert_eq!(
        code(strict.create(&session(s.other, Some(3600)))),
        "SESSION_LIMIT_EXCEEDED"
    );
}

#[test]
fn create_validates_every_field() {
    let s = setup();
    let base = session(s.wallet, Some(3600));
    let cases = [
        CreateSession {
            wallet_ids: vec![],
            ..base.clone()
        },
        CreateSession {
            wallet_ids: vec![s.wallet, s.wallet],
            ..base.clone()
        },
        CreateSession {
            ttl: Some(299),
            ..base.clone()
        },
        CreateSession {
            ttl: Some(31_536_001),
            ..base.clone()
        },
        CreateSession {
            absolute_lifetime: 10,
            ..base.clone()
        },
        CreateSession {
            permissions: Some(vec![]),
            ..base.clone()
        },
        CreateSession {
            label: Some("x\u{0}".into()),
            ..base.clone()
        },
    ];
    for c in &cases {
        assert_eq!(code(s.issuer.create(c)), "VALIDATION_FAILED", "{c:?}");
    }
    assert!(
        s.issuer
            .create(&CreateSession {
                ttl: Some(300),
                ..base.clone()
            })
            .is_ok()
    );
    assert!(
        s.issuer
            .create(&CreateSession {
                ttl: Some(31_536_000),
                ..base.clone()
            })
            .is_ok()
    );
    let unknown = CreateSession::new(vec![WalletId::new()]);
    assert_eq!(code(s.issuer.create(&unknown)), "WALLET_NOT_FOUND");
}

#[test]
fn rotated_secret_keeps_old_tokens_for_300_seconds() {
    let s = setup();
    let old = s
        .issuer
        .create(&session(s.wallet, Some(3600)))
        .unwrap()
        .token;
    s.issuer.rotate_secret().unwrap();
    let new = s
        .issuer
        .create(&session(s.wallet, Some(3600)))
        .unwrap()
        .token;
    assert_ne!(parts(old.expose()).0["kid"], parts(new.expose()).0["kid"]);
    s.f.clock.advance(299);
    assert!(s.issuer.verify(old.expose()).is_ok());
    s.f.clock.advance(1);
    assert_eq!(code(s.issuer.verify(old.expose())), "INVALID_TOKEN");
    assert!(s.issuer.verify(new.expose()).is_ok());
}

#[test]
fn list_reports_status() {
    let s = setup();
    let a = s
        .issuer
        .create(&session(s.wallet, Some(300)))
        .unwrap()
        .info
        .id;
    let b = s
        .issuer
        .create(&session(s.wallet, Some(3600)))
        .unwrap()
        .info
        .id;
    let c = s
        .issuer
        .create(&session(s.other, Some(3600)))
        .unwrap()
        .info
        .id;
    s.issuer.revoke(b).unwrap();
    s.f.clock.advance(300);
    let all = s.issuer.list(None).unwrap();
    let status = |id| all.iter().find(|i| i.id == id).unwrap().status;
    assert_eq!(status(a), SessionStatus::Expired);
    assert_eq!(status(b), SessionStatus::Revoked);
    assert_eq!(status(c), SessionStatus::Active);
    assert_eq!(s.issuer.list(Some(s.other)).unwrap().len(), 1);
    assert_eq!(
        s.issuer
            .revoke_all(&waiaas_core::audit::Actor::Operator)
            .unwrap(),
        2
    );
    assert_eq!(s.issuer.get(c).unwrap().status, SessionStatus::Revoked);
}

#[test]
fn a_locked_vault_cannot_verify_or_issue() {
    let s = setup();
    let token = s
        .issuer
        .create(&session(s.wallet, Some(3600)))
        .unwrap()
        .token;
    s.f.vault.lock();
    assert_eq!(code(s.issuer.verify(token.expose())), "VAULT_LOCKED");
    assert_eq!(
        code(s.issuer.create(&session(s.wallet, Some(3600)))),
        "VAULT_LOCKED"
    );
}

#[test]
fn losing_a_renewal_race_is_session_renewal_mismatch() {
    let s = setup();
    let token = s
        .issuer
        .create(&session(s.wallet, Some(600)))
        .unwrap()
        .token;
    s.f.clock.advance(300);
    // Another handle (another process) renews with the same token after our checks
    // passed and before our compare-and-swap: the deterministic version of the race.
    let rival = SessionIssuer::new(
        Arc::new(s.f.reopen(PASSWORD).unwrap()),
        SessionConfig::default(),
    )
    .unwrap();
    let racer = s.issuer.clone_with_renew_hook({
        let token = token.expose().to_owned();
        move || {
            rival.renew(&token).unwrap();
        }
    });
    assert_eq!(
        code(racer.renew(token.expose())),
        "SESSION_RENEWAL_MISMATCH"
    );
    // Exactly one renewal happened.
    assert_eq!(s.issuer.list(None).unwrap()[0].renewal_count, 1);
}
