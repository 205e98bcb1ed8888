//! The error registry (`waiaas::api::ERROR_CODES`): every code any crate can return is
//! listed once with its class, no entry is stale, and the messages of real errors have
//! the registered form.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "test code"
)]

use std::collections::BTreeSet;
use std::path::Path;

use waiaas::api::{ERROR_CODES, ErrorClass, error_code_info};
use waiaas::{Error, TxId, WalletId};
use waiaas_core::{SessionError, StoreError, ValidationError, VaultError};

/// The code literals inside every `fn code(&self) -> &'static str` of the crates.
fn codes_in_sources() -> BTreeSet<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let mut codes = BTreeSet::new();
    let mut dirs: Vec<_> = std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().path().join("src"))
        .filter(|p| p.is_dir())
        .collect();
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for (start, _) in text.match_indices("fn code(&self) -> &'static str {") {
                let body = &text[start..];
                let end = body.find("\n    }\n").unwrap_or(body.len());
                for piece in body[..end].split('"').skip(1).step_by(2) {
                    if !piece.is_empty()
                        && piece.bytes().all(|b| b.is_ascii_uppercase() || b == b'_')
                    {
                        codes.insert(piece.to_owned());
                    }
                }
            }
        }
    }
    codes
}

#[test]
fn the_registry_lists_every_code_the_crates_return_and_nothing_else() {
    let registered: Vec<&str> = ERROR_CODES.iter().map(|e| e.code).collect();
    let mut sorted = registered.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(
        registered, sorted,
        "ERROR_CODES must be sorted and unique (lookup is a binary search)"
    );
    let in_sources = codes_in_sources();
    assert!(
        in_sources.len() > 40,
        "the scan found the error enums: {in_sources:?}"
    );
    let registered: BTreeSet<String> = registered.iter().map(|c| (*c).to_owned()).collect();
    let missing: Vec<_> = in_sources.difference(&registered).collect();
    assert!(
        missing.is_empty(),
        "codes without a registry entry: {missing:?}"
    );
    let stale: Vec<_> = registered.difference(&in_sources).collect();
    assert!(
        stale.is_empty(),
        "registry entries no crate returns: {stale:?}"
    );
}

#[test]
fn classes_map_to_the_statuses_servers_answer() {
    let status = |code: &str| error_code_info(code).unwrap().class.http_status();
    assert_eq!(status("VALIDATION_FAILED"), 400);
    assert_eq!(status("INVALID_TOKEN"), 401);
    assert_eq!(status("POLICY_DENIED"), 403);
    assert_eq!(status("WALLET_NOT_FOUND"), 404);
    assert_eq!(status("TX_ALREADY_PROCESSED"), 409);
    assert_eq!(status("MASTER_PASSWORD_LOCKED"), 429);
    assert_eq!(status("KILL_SWITCH_ACTIVE"), 503);
    assert_eq!(status("STORAGE_ERROR"), 500);
    assert!(error_code_info("NO_SUCH_CODE").is_none());
    // Every code with a retry hint is RATE_LIMITED, and the class is the error's.
    let locked = Error::from(VaultError::MasterPasswordLocked {
        retry_after_secs: 30,
    });
    assert_eq!(locked.class(), ErrorClass::RateLimited);
    assert_eq!(locked.retry_after_secs(), Some(30));
}

/// Whether `message` has the form of `template` (`{name}` stands for any text).
fn matches(template: &str, message: &str) -> bool {
    let parts: Vec<&str> = template
        .split('{')
        .enumerate()
        .map(|(i, p)| {
            if i == 0 {
                p
            } else {
                p.split_once('}').map_or(p, |(_, rest)| rest)
            }
        })
        .collect();
    let mut rest = message;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            let Some(r) = rest.strip_prefix(part) else {
                return false;
            };
            rest = r;
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            let Some(at) = rest.find(part) else {
                return false;
            };
            rest = &rest[at + part.len()..];
        }
    }
    rest.is_empty()
}

#[test]
fn real_errors_have_the_registered_message() {
    let tx = TxId::new();
    let wallet = WalletId::new();
    let samples: Vec<Error> = vec![
        Error::TxNotFound(tx),
        Error::TxAlreadyProcessed {
            tx_id: tx,
            status: "SIGNED",
        },
        Error::ApprovalTimeout(tx),
        Error::ApprovalMessageMismatch,
        Error::OwnerNotConnected,
        Error::OwnerAlreadyConnected,
        Error::KillSwitchActive { state: "SUSPENDED" },
        Error::NoChainClient {
            network: "solana-devnet",
        },
        ValidationError::field("walletId", "give exactly one").into(),
        VaultError::InvalidMasterPassword.into(),
        VaultError::MasterPasswordLocked {
            retry_after_secs: 30,
        }
        .into(),
        VaultError::MasterPasswordRequired.into(),
        VaultError::WalletNotFound(wallet).into(),
        VaultError::AlreadyExists.into(),
        VaultError::NotInitialized.into(),
        VaultError::Locked.into(),
        SessionError::TokenExpired.into(),
        SessionError::SessionNotFound.into(),
        SessionError::SessionRevoked.into(),
        SessionError::TokenSuperseded.into(),
        SessionError::SessionExpired.into(),
        SessionError::RenewalNotRequired.into(),
        SessionError::RenewalMismatch.into(),
        SessionError::AbsoluteLifetimeExceeded.into(),
        SessionError::RenewalTooEarly {
            retry_after_secs: 5,
        }
        .into(),
        StoreError::AuditKeyMissing.into(),
        StoreError::Unavailable {
            operation: "admit transaction",
            message: "connection closed".to_owned(),
        }
        .into(),
        waiaas_policy::PolicyError::WalletNotFound(wallet).into(),
        waiaas_policy::PolicyError::NotFound(waiaas::PolicyId::new()).into(),
    ];
    for err in samples {
        let info =
            error_code_info(err.code()).unwrap_or_else(|| panic!("{} unregistered", err.code()));
        let message = err.to_string();
        assert!(
            info.messages.iter().any(|t| matches(t, &message)),
            "{}: `{message}` is none of {:?}",
            err.code(),
            info.messages
        );
    }
    assert!(matches("a `{x}` b", "a `y` b") && !matches("a `{x}` b", "a `y` c"));
}
