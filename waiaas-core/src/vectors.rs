//! The session and vault vectors (`testdata/vectors/sessions/*.json`,
//! `testdata/vectors/vault/*.json`) as entry points: a case goes through the real
//! token codec, [`SessionIssuer`] and [`Vault::unlock`] on a store the caller provides
//! (empty, thrown away afterwards), and the answer is written in the form of the case's
//! `expect`. The facade's `waiaas::api::evaluate_session_case` /
//! `evaluate_vault_case` call these, for the Rust runner and every binding's.

use std::sync::Arc;

use rand_core::{OsRng, RngCore};
use serde_json::{Value, json};
use zeroize::Zeroizing;

use crate::audit::{Actor, AuditEntry, AuditKey, GENESIS_EVENT};
use crate::error::{ErrorCode, SessionError, ValidationError, VaultError};
use crate::session::{SessionConfig, jwt, secret_aad};
use crate::store::{SessionRecord, SessionSecretRecord, Store};
use crate::vault::header::VaultHeader;
use crate::{
    Clock, KdfParams, ManualClock, Network, Permission, SecretString, SessionId, SessionIssuer,
    Vault, VaultOptions,
};

fn bad(field: &str, reason: impl Into<String>) -> ValidationError {
    ValidationError::field(field, reason)
}

fn text<'a>(v: &'a Value, key: &str) -> Result<&'a str, ValidationError> {
    v.get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| bad(key, "is required and must be a string"))
}

fn int(v: &Value, key: &str) -> Result<i64, ValidationError> {
    v.get(key)
        .and_then(Value::as_i64)
        .ok_or_else(|| bad(key, "is required and must be an integer"))
}

fn uint(v: &Value, key: &str) -> Result<u64, ValidationError> {
    v.get(key)
        .and_then(Value::as_u64)
        .ok_or_else(|| bad(key, "is required and must be a non-negative integer"))
}

fn key32(v: &Value, key: &str) -> Result<Zeroizing<Vec<u8>>, ValidationError> {
    hex::decode(text(v, key)?)
        .ok()
        .filter(|k| k.len() == 32)
        .map(Zeroizing::new)
        .ok_or_else(|| bad(key, "must be 32 bytes of hex"))
}

fn clock_at(now: i64) -> VaultOptions {
    VaultOptions {
        clock: Arc::new(ManualClock::new(now)),
        ..VaultOptions::default()
    }
}

/// A new vault in `store` for running vectors: the fast test KDF profile (recorded in
/// its header, so it never unlocks without `allow_insecure_kdf`) and a fixed password.
/// It is only ever created, never reopened: it holds the keys of public test vectors
/// and lives as long as the scratch store the caller throws away.
///
/// # Errors
/// `VAULT_ALREADY_EXISTS` when `store` is not empty; `STORAGE_ERROR`.
pub fn scratch_vault(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Result<Vault, VaultError> {
    Vault::create(
        store,
        &SecretString::from("waiaas conformance vectors"),
        KdfParams::insecure_for_tests(),
        VaultOptions {
            clock,
            ..VaultOptions::default()
        },
    )
}

/// Runs one case of `testdata/vectors/sessions/*.json` on `store` (empty) and returns
/// the answer to compare with its `expect`: for `kind` `encode` the token the codec
/// writes; for `verify` either `{ok: true, sessionId, generation, expiresAt}` or
/// `{ok: false, code, message}`.
///
/// # Errors
/// `VALIDATION_FAILED` when the case does not parse; `STORAGE_ERROR` or a vault error
/// while setting the case up.
pub fn evaluate_session_case(case: &Value, store: Arc<dyn Store>) -> Result<Value, SessionError> {
    match text(case, "kind")? {
        "encode" => {
            let claims: jwt::Claims = serde_json::from_value(case["claims"].clone())
                .map_err(|e| bad("claims", e.to_string()))?;
            let token = jwt::encode(text(case, "kid")?, &claims, &key32(case, "key")?)?;
            Ok(json!({ "token": token }))
        }
        "verify" => verify_session(case, store),
        other => Err(bad("kind", format!("`{other}` is not a kind of session vector")).into()),
    }
}

fn verify_session(case: &Value, store: Arc<dyn Store>) -> Result<Value, SessionError> {
    let now = int(case, "now")?;
    let vault = scratch_vault(store.clone(), Arc::new(ManualClock::new(now)))?;
    let secret = &case["secret"];
    let kid = text(secret, "kid")?;
    store.ensure_session_secret(&SessionSecretRecord {
        id: kid.to_owned(),
        secret: vault.seal(&secret_aad(kid), &key32(secret, "key")?)?,
        created_at: int(secret, "createdAt")?,
        retired_at: None,
    })?;
    if let Some(at) = case.get("rotatedAt") {
        let at = at
            .as_i64()
            .ok_or_else(|| bad("rotatedAt", "must be an integer"))?;
        let mut next = Zeroizing::new([0u8; 32]);
        OsRng.fill_bytes(&mut next[..]);
        let next_kid = "ffffffffffffffffffffffffffffffff";
        store.rotate_session_secret(
            &SessionSecretRecord {
                id: next_kid.to_owned(),
                secret: vault.seal(&secret_aad(next_kid), &next[..])?,
                created_at: at,
                retired_at: None,
            },
            at,
            &AuditEntry::new(at, &Actor::Operator, "SESSION_SECRET_ROTATED"),
        )?;
    }
    let linked = vault.create_wallet("linked", Network::SolanaDevnet)?;
    let other = vault.create_wallet("other", Network::SolanaDevnet)?;
    if let Some(s) = case.get("session") {
        insert_session(&*store, s, linked.id)?;
    }
    let issuer = SessionIssuer::new(Arc::new(vault), SessionConfig::default())?;
    let token = text(case, "token")?;
    let verified = match case.get("access") {
        None => issuer.verify(token),
        Some(access) => {
            let wallet = match text(access, "wallet")? {
                "linked" => linked.id,
                "other" => other.id,
                w => {
                    return Err(
                        bad("wallet", format!("`{w}` is neither `linked` nor `other`")).into(),
                    );
                }
            };
            let permission = Permission::parse(text(access, "permission")?)
                .ok_or_else(|| bad("permission", "is not a permission"))?;
            issuer.verify_access(token, wallet, permission)
        }
    };
    Ok(match verified {
        Ok(v) => json!({
            "ok": true,
            "sessionId": v.session_id,
            "generation": v.generation,
            "expiresAt": v.expires_at,
        }),
        Err(e) => json!({ "ok": false, "code": e.code(), "message": e.to_string() }),
    })
}

fn insert_session(
    store: &dyn Store,
    s: &Value,
    wallet: crate::WalletId,
) -> Result<(), SessionError> {
    let created_at = int(s, "createdAt")?;
    let ttl = match s.get("ttl") {
        Some(Value::Null) => None,
        _ => Some(uint(s, "ttl")?),
    };
    let permissions = match s.get("permissions").and_then(Value::as_array) {
        None => Permission::DEFAULT.to_vec(),
        Some(list) => list
            .iter()
            .map(|p| p.as_str().and_then(Permission::parse))
            .collect::<Option<_>>()
            .ok_or_else(|| bad("permissions", "lists an unknown permission"))?,
    };
    let record = SessionRecord {
        id: SessionId::parse(text(s, "id")?)?,
        created_at,
        ttl_seconds: ttl,
        max_renewals: 0,
        absolute_lifetime_seconds: uint(s, "absoluteLifetime")?,
        permissions,
        token_generation: uint(s, "generation")?,
        token_issued_at: created_at,
        expires_at: ttl.map(|t| created_at.saturating_add(i64::try_from(t).unwrap_or(i64::MAX))),
        renewal_count: 0,
        revoked_at: None,
        label: None,
    };
    store.insert_session(
        &record,
        &[wallet],
        SessionConfig::default().max_active_per_wallet,
        created_at,
        &AuditEntry::new(created_at, &Actor::Operator, "SESSION_CREATED"),
    )?;
    if let Some(at) = s.get("revokedAt") {
        let at = at
            .as_i64()
            .ok_or_else(|| bad("revokedAt", "must be an integer"))?;
        store.revoke_session(
            record.id,
            at,
            &AuditEntry::new(at, &Actor::Operator, "SESSION_REVOKED"),
        )?;
    }
    Ok(())
}

/// Runs one case of `testdata/vectors/vault/*.json` on `store` (empty): writes the
/// case's header, tries each of its `passwords` in order with [`Vault::unlock`] at
/// the case's `now` (never allowing the insecure KDF profile), and returns
/// `{attempts: [...]}`, each `{ok: true, version, kdf}` (the header version and the
/// recorded Argon2id parameters after the unlock) or `{ok: false, code}` with
/// `retryAfterSecs` when throttled.
///
/// # Errors
/// `VALIDATION_FAILED` when the case does not parse; `STORAGE_ERROR` while setting the
/// case up or reading the header back.
pub fn evaluate_vault_case(case: &Value, store: Arc<dyn Store>) -> Result<Value, VaultError> {
    let now = int(case, "now")?;
    let header = match case.get("header") {
        Some(Value::String(text)) => text.clone(),
        Some(object @ Value::Object(_)) => object.to_string(),
        _ => return Err(bad("header", "must be a JSON object or a string").into()),
    };
    // Writing the header is an audited change, so the store needs an audit key for
    // it; a random one (this scratch store's log is never verified).
    let mut audit_key = Zeroizing::new([0u8; 32]);
    OsRng.fill_bytes(&mut audit_key[..]);
    store.set_audit_key(AuditKey::from_bytes(audit_key), now, None)?;
    store.create_vault_header(
        &header,
        now,
        &AuditEntry::new(now, &Actor::Operator, GENESIS_EVENT),
    )?;
    store.clear_audit_key();
    let passwords = case
        .get("passwords")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("passwords", "is required and must be a list"))?;
    let mut attempts = Vec::with_capacity(passwords.len());
    for password in passwords {
        let password = password
            .as_str()
            .ok_or_else(|| bad("passwords", "must be strings"))?;
        attempts.push(
            match Vault::unlock(store.clone(), &SecretString::from(password), clock_at(now)) {
                Ok(vault) => {
                    vault.lock();
                    let stored = store.vault_header()?.ok_or(VaultError::NotInitialized)?;
                    let header = VaultHeader::parse(&stored)?;
                    json!({
                        "ok": true,
                        "version": header.version,
                        "kdf": {
                            "mCostKib": header.params.m_cost_kib(),
                            "tCost": header.params.t_cost(),
                            "pCost": header.params.p_cost(),
                            "profile": header.params.profile().as_str(),
                        },
                    })
                }
                Err(VaultError::MasterPasswordLocked { retry_after_secs }) => json!({
                    "ok": false,
                    "code": VaultError::MasterPasswordLocked { retry_after_secs }.code(),
                    "retryAfterSecs": retry_after_secs,
                }),
                Err(e) => json!({ "ok": false, "code": e.code() }),
            },
        );
    }
    Ok(json!({ "attempts": attempts }))
}
