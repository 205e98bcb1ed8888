//! Agent sessions: bounded, revocable, renewable tokens (`wai_sess_` + HS256 JWT).
//!
//! The token proves only *which* session and *which generation*; wallets, permissions
//! and limits are read from the store on every verification, so revocation and renewal
//! take effect at once for every process sharing the database.

pub(crate) mod jwt;

use std::collections::BTreeSet;
use std::fmt;
use std::sync::Arc;

use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

pub use jwt::TOKEN_PREFIX;

use crate::audit::{Actor, AuditEntry};
use crate::error::{SessionError, ValidationError, VaultError};
use crate::ids::{SessionId, WalletId};
use crate::store::{RenewalCas, SessionAccess, SessionInsert, SessionRecord, SessionSecretRecord};
use crate::vault::Vault;

/// Shortest allowed token TTL (5 minutes).
pub const MIN_TTL_SECS: u64 = 300;
/// Longest allowed token TTL (365 days).
pub const MAX_TTL_SECS: u64 = 31_536_000;
/// Longest allowed absolute lifetime (10 years).
pub const MAX_ABSOLUTE_LIFETIME_SECS: u64 = 315_360_000;
/// How long tokens signed with a rotated-out secret stay valid.
pub const ROTATION_GRACE_SECS: i64 = 300;
const MAX_LABEL_CHARS: usize = 128;

crate::string_enum! {
    /// What a session may do.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
    pub enum Permission {
        /// Send, simulate and sign transactions.
        Transaction => "TRANSACTION",
        /// Read balances and transaction history.
        BalanceRead => "BALANCE_READ",
        /// Sign arbitrary messages (policy still applies).
        SignMessage => "SIGN_MESSAGE",
        /// Sign EIP-712 typed data (policy still applies).
        SignTypedData => "SIGN_TYPED_DATA",
    }
    field = "permission", what = "a permission";
}

impl Permission {
    /// The default grant: `TRANSACTION` and `BALANCE_READ`.
    pub const DEFAULT: [Permission; 2] = [Self::Transaction, Self::BalanceRead];

    /// Parses a comma-separated list of uppercase names (as stored).
    #[must_use]
    pub fn parse_list(s: &str) -> Option<Vec<Self>> {
        s.split(',').map(Self::parse).collect()
    }

    /// Formats a list as comma-separated uppercase names (as stored).
    #[must_use]
    pub fn format_list(list: &[Self]) -> String {
        list.iter()
            .map(|p| p.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// Parameters of a new session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateSession {
    /// Wallets the session may use (at least one).
    pub wallet_ids: Vec<WalletId>,
    /// Token lifetime in seconds (300 ..= 31 536 000); `None` for an unlimited session.
    #[serde(default = "default_ttl")]
    pub ttl: Option<u64>,
    /// How many renewals are allowed; 0 = unlimited.
    #[serde(default)]
    pub max_renewals: u32,
    /// Hard lifetime from creation in seconds; 0 = none.
    #[serde(default)]
    pub absolute_lifetime: u64,
    /// Granted permissions; `None` = `TRANSACTION` + `BALANCE_READ`.
    #[serde(default)]
    pub permissions: Option<Vec<Permission>>,
    /// Free-form label for the operator.
    #[serde(default)]
    pub label: Option<String>,
}

#[expect(
    clippy::unnecessary_wraps,
    reason = "serde default for an Option field"
)]
fn default_ttl() -> Option<u64> {
    Some(3600)
}

impl CreateSession {
    /// A session for `wallet_ids` with a one-hour TTL, unlimited renewals, no absolute
    /// lifetime and the default permissions.
    #[must_use]
    pub fn new(wallet_ids: Vec<WalletId>) -> Self {
        Self {
            wallet_ids,
            ttl: default_ttl(),
            max_renewals: 0,
            absolute_lifetime: 0,
            permissions: None,
            label: None,
        }
    }
}

crate::string_enum! {
    /// Lifecycle state of a session.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum SessionStatus {
        /// Usable.
        Active => "ACTIVE",
        /// Token expired or absolute lifetime passed.
        Expired => "EXPIRED",
        /// Revoked by the operator.
        Revoked => "REVOKED",
    }
    field = "status", what = "a session status";
}

/// Public description of a session (no token).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionInfo {
    /// Id.
    pub id: SessionId,
    /// Linked wallets.
    pub wallet_ids: Vec<WalletId>,
    /// Permissions.
    pub permissions: Vec<Permission>,
    /// Status at the time of the call.
    pub status: SessionStatus,
    /// Creation time.
    pub created_at: i64,
    /// Current token's expiry; `None` when unlimited.
    pub expires_at: Option<i64>,
    /// Absolute end of the session; `None` when it has none.
    pub absolute_expires_at: Option<i64>,
    /// TTL in seconds; `None` when unlimited.
    pub ttl: Option<u64>,
    /// Renewals so far.
    pub renewal_count: u32,
    /// Renewal cap (0 = unlimited).
    pub max_renewals: u32,
    /// Revocation time.
    pub revoked_at: Option<i64>,
    /// Operator's label.
    pub label: Option<String>,
}

fn absolute_end(r: &SessionRecord) -> Option<i64> {
    (r.absolute_lifetime_seconds > 0).then(|| {
        r.created_at
            .saturating_add(i64::try_from(r.absolute_lifetime_seconds).unwrap_or(i64::MAX))
    })
}

impl SessionInfo {
    fn from_record(r: &SessionRecord, wallet_ids: Vec<WalletId>, now: i64) -> Self {
        let absolute_expires_at = absolute_end(r);
        let expired =
            r.expires_at.is_some_and(|e| now >= e) || absolute_expires_at.is_some_and(|e| now >= e);
        Self {
            id: r.id,
            wallet_ids,
            permissions: r.permissions.clone(),
            status: if r.revoked_at.is_some() {
                SessionStatus::Revoked
            } else if expired {
                SessionStatus::Expired
            } else {
                SessionStatus::Active
            },
            created_at: r.created_at,
            expires_at: r.expires_at,
            absolute_expires_at,
            ttl: r.ttl_seconds,
            renewal_count: r.renewal_count,
            max_renewals: r.max_renewals,
            revoked_at: r.revoked_at,
            label: r.label.clone(),
        }
    }
}

/// A session token. `Debug` shows only its first characters; use
/// [`SessionToken::expose`] to hand it to the agent.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionToken(Zeroizing<String>);

impl SessionToken {
    /// Wraps a token received from an agent (it is verified where it is used).
    #[must_use]
    pub fn from_string(token: String) -> Self {
        Self(Zeroizing::new(token))
    }

    /// The full `wai_sess_…` string.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionToken(wai_sess_[redacted])")
    }
}

/// A session and its current token.
#[derive(Debug, Clone)]
pub struct IssuedSession {
    /// The session.
    pub info: SessionInfo,
    /// Its token.
    pub token: SessionToken,
}

/// What a verified token grants (read from the store, not from the token). The linked
/// wallets are not in it: a session may span thousands, so a request checks its one
/// wallet by index ([`SessionIssuer::verify_wallet`]) and only
/// [`SessionIssuer::wallets`] reads the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedSession {
    /// Session id.
    pub session_id: SessionId,
    /// Permissions.
    pub permissions: Vec<Permission>,
    /// Token generation.
    pub generation: u64,
    /// Token expiry.
    pub expires_at: Option<i64>,
}

impl VerifiedSession {
    /// Checks that this session has `permission` (check its wallet first:
    /// `WALLET_ACCESS_DENIED` comes before `PERMISSION_DENIED`).
    ///
    /// # Errors
    /// `PERMISSION_DENIED`.
    pub fn check_permission(&self, permission: Permission) -> Result<(), SessionError> {
        if !self.permissions.contains(&permission) {
            return Err(SessionError::PermissionDenied {
                permission: permission.as_str(),
            });
        }
        Ok(())
    }
}

/// Session policy of one issuer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionConfig {
    /// Active sessions allowed per wallet (default 5).
    pub max_active_per_wallet: u32,
}

impl Default for SessionConfig {
    fn default() -> Self {
        Self {
            max_active_per_wallet: 5,
        }
    }
}

/// Creates, verifies, renews and revokes agent sessions.
pub struct SessionIssuer {
    vault: Arc<Vault>,
    config: SessionConfig,
    /// Test hook: runs between a renewal's checks and its compare-and-swap.
    #[cfg(feature = "test-hooks")]
    renew_hook: Option<Box<dyn Fn() + Send + Sync>>,
}

impl fmt::Debug for SessionIssuer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionIssuer")
            .field("vault", &self.vault)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

pub(crate) fn secret_aad(kid: &str) -> Vec<u8> {
    format!("waiaas-session-secret|v1|{kid}").into_bytes()
}

fn verr(field: &str, reason: impl Into<String>) -> SessionError {
    ValidationError::field(field, reason).into()
}

impl SessionIssuer {
    /// An issuer over an unlocked vault. Creates the token signing secret on first use.
    ///
    /// # Errors
    /// `VAULT_LOCKED`, `STORAGE_ERROR`.
    pub fn new(vault: Arc<Vault>, config: SessionConfig) -> Result<Self, SessionError> {
        let issuer = Self {
            vault,
            config,
            #[cfg(feature = "test-hooks")]
            renew_hook: None,
        };
        let candidate = issuer.new_secret()?;
        issuer.vault.store().ensure_session_secret(&candidate)?;
        Ok(issuer)
    }

    /// The vault's clock, which applies the store's persisted time high-water mark:
    /// nothing here is judged or recorded at a time earlier than one already seen (a
    /// clock stepped back cannot revive a token).
    fn now(&self) -> i64 {
        self.vault.clock().now()
    }

    fn new_secret(&self) -> Result<SessionSecretRecord, SessionError> {
        let kid = uuid::Uuid::now_v7().simple().to_string();
        let mut secret = Zeroizing::new([0u8; 32]);
        OsRng.fill_bytes(&mut secret[..]);
        let sealed = self.vault.seal(&secret_aad(&kid), &secret[..])?;
        Ok(SessionSecretRecord {
            id: kid,
            secret: sealed,
            created_at: self.now(),
            retired_at: None,
        })
    }

    fn open_secret(
        &self,
        record: &SessionSecretRecord,
    ) -> Result<Zeroizing<Vec<u8>>, SessionError> {
        self.vault
            .open(&secret_aad(&record.id), &record.secret)?
            .ok_or(VaultError::HeaderCorrupt {
                reason: "session signing secret fails authentication",
            })
            .map_err(SessionError::from)
    }

    fn sign(&self, claims: &jwt::Claims) -> Result<SessionToken, SessionError> {
        let current =
            self.vault
                .store()
                .current_session_secret()?
                .ok_or(SessionError::InvalidToken {
                    reason: "no signing secret",
                })?;
        let key = self.open_secret(&current)?;
        Ok(SessionToken(Zeroizing::new(jwt::encode(
            &current.id,
            claims,
            &key,
        )?)))
    }

    /// Creates a session and its first token.
    ///
    /// # Errors
    /// `VALIDATION_FAILED` (naming `walletIds`, `ttl`, `absoluteLifetime`, `permissions`
    /// or `label`); `WALLET_NOT_FOUND`; `SESSION_LIMIT_EXCEEDED` when a wallet already has
    /// the maximum of active sessions; `VAULT_LOCKED`; `STORAGE_ERROR`.
    pub fn create(&self, req: &CreateSession) -> Result<IssuedSession, SessionError> {
        if req.wallet_ids.is_empty() {
            return Err(verr("walletIds", "give at least one wallet"));
        }
        let unique: BTreeSet<_> = req.wallet_ids.iter().collect();
        if unique.len() != req.wallet_ids.len() {
            return Err(verr("walletIds", "lists a wallet twice"));
        }
        if let Some(ttl) = req.ttl
            && !(MIN_TTL_SECS..=MAX_TTL_SECS).contains(&ttl)
        {
            return Err(verr(
                "ttl",
                format!(
                    "must be between {MIN_TTL_SECS} and {MAX_TTL_SECS} seconds, or unlimited; got {ttl}"
                ),
            ));
        }
        if req.absolute_lifetime != 0
            && !(MIN_TTL_SECS..=MAX_ABSOLUTE_LIFETIME_SECS).contains(&req.absolute_lifetime)
        {
            return Err(verr(
                "absoluteLifetime",
                format!(
                    "must be 0 (none) or between {MIN_TTL_SECS} and {MAX_ABSOLUTE_LIFETIME_SECS} seconds"
                ),
            ));
        }
        let permissions: Vec<Permission> = match &req.permissions {
            None => Permission::DEFAULT.to_vec(),
            Some(list) if list.is_empty() => {
                return Err(verr("permissions", "grant at least one permission"));
            }
            Some(list) => list
                .iter()
                .copied()
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect(),
        };
        if let Some(label) = &req.label
            && (label.chars().count() > MAX_LABEL_CHARS || label.chars().any(char::is_control))
        {
            return Err(verr(
                "label",
                format!("must be at most {MAX_LABEL_CHARS} characters without control characters"),
            ));
        }
        let now = self.now();
        let mut record = SessionRecord {
            id: SessionId::new(),
            created_at: now,
            ttl_seconds: req.ttl,
            max_renewals: req.max_renewals,
            absolute_lifetime_seconds: req.absolute_lifetime,
            permissions,
            token_generation: 1,
            token_issued_at: now,
            expires_at: None,
            renewal_count: 0,
            revoked_at: None,
            label: req.label.clone(),
        };
        record.expires_at = req.ttl.map(|ttl| {
            let exp = now.saturating_add(i64::try_from(ttl).unwrap_or(i64::MAX));
            absolute_end(&record).map_or(exp, |end| exp.min(end))
        });
        let token = self.sign(&jwt::Claims {
            sub: record.id.to_string(),
            iat: now,
            exp: record.expires_at,
            r#gen: record.token_generation,
        })?;
        match self.vault.store().insert_session(
            &record,
            &req.wallet_ids,
            self.config.max_active_per_wallet,
            now,
            &AuditEntry::new(now, &Actor::Operator, "SESSION_CREATED").details(serde_json::json!({
                "sessionId": record.id,
                "walletIds": req.wallet_ids,
                "ttl": record.ttl_seconds,
                "maxRenewals": record.max_renewals,
                "absoluteLifetime": record.absolute_lifetime_seconds,
            })),
        )? {
            SessionInsert::Inserted => Ok(IssuedSession {
                info: SessionInfo::from_record(&record, req.wallet_ids.clone(), now),
                token,
            }),
            SessionInsert::WalletAtCap(wallet_id) => Err(SessionError::SessionLimitExceeded {
                wallet_id,
                max: self.config.max_active_per_wallet,
            }),
            SessionInsert::UnknownWallet(id) => Err(VaultError::WalletNotFound(id).into()),
        }
    }

    /// Checks format, signature, expiry, existence, revocation and generation (and, when
    /// `check_absolute`, the absolute lifetime), in that order, over one store read
    /// that writes nothing ([`crate::store::Store::session_check`]): the session row
    /// and its link to `wallet` are read together with the secret, by the token's
    /// unverified subject, and used only once the signature holds; the time mark moves
    /// (at most once a second) only then.
    fn authenticate(
        &self,
        token: &str,
        check_absolute: bool,
        wallet: Option<WalletId>,
    ) -> Result<(jwt::Claims, SessionAccess), SessionError> {
        let parsed = jwt::parse(token)?;
        let subject = SessionId::parse(&parsed.claims.sub).ok();
        let store = self.vault.store();
        let reads = store.session_check(&parsed.kid, subject, wallet)?;
        let secret = reads.secret.ok_or(SessionError::InvalidToken {
            reason: "signed with an unknown key",
        })?;
        jwt::verify(&parsed, &self.open_secret(&secret)?)?;
        let now = store.monotonic_now_after(self.vault.clock().recent(), reads.mark)?;
        if secret
            .retired_at
            .is_some_and(|at| now >= at.saturating_add(ROTATION_GRACE_SECS))
        {
            return Err(SessionError::InvalidToken {
                reason: "signed with a rotated-out key",
            });
        }
        let claims = parsed.claims;
        if claims.exp.is_some_and(|exp| now >= exp) {
            return Err(SessionError::TokenExpired);
        }
        if subject.is_none() {
            return Err(SessionError::InvalidToken {
                reason: "malformed subject",
            });
        }
        let access = reads.access.ok_or(SessionError::SessionNotFound)?;
        let record = &access.record;
        if record.revoked_at.is_some() {
            return Err(SessionError::SessionRevoked);
        }
        if claims.r#gen < record.token_generation {
            return Err(SessionError::TokenSuperseded);
        }
        if claims.r#gen > record.token_generation {
            return Err(SessionError::InvalidToken {
                reason: "generation from the future",
            });
        }
        if check_absolute && absolute_end(record).is_some_and(|end| now >= end) {
            return Err(SessionError::SessionExpired);
        }
        Ok((claims, access))
    }

    fn verified(claims: &jwt::Claims, record: SessionRecord) -> VerifiedSession {
        VerifiedSession {
            session_id: record.id,
            permissions: record.permissions,
            generation: claims.r#gen,
            expires_at: claims.exp,
        }
    }

    /// Verifies a token without a wallet or permission requirement.
    ///
    /// # Errors
    /// In this order: `INVALID_TOKEN` (prefix, format, algorithm, signature),
    /// `TOKEN_EXPIRED`, `SESSION_NOT_FOUND`, `SESSION_REVOKED`, `TOKEN_SUPERSEDED`,
    /// `SESSION_EXPIRED`; `VAULT_LOCKED`, `STORAGE_ERROR`.
    pub fn verify(&self, token: &str) -> Result<VerifiedSession, SessionError> {
        let (claims, access) = self.authenticate(token, true, None)?;
        Ok(Self::verified(&claims, access.record))
    }

    /// Verifies a token and finds the wallet a request acts on, by index, whatever the
    /// number of wallets in the session: `wallet` when the session is linked to it;
    /// with `wallet` `None`, the session's wallet when it has exactly one, else `None`.
    ///
    /// # Errors
    /// As [`SessionIssuer::verify`], then `WALLET_ACCESS_DENIED` when `wallet` is given
    /// and the session is not linked to it.
    pub fn verify_wallet(
        &self,
        token: &str,
        wallet: Option<WalletId>,
    ) -> Result<(VerifiedSession, Option<WalletId>), SessionError> {
        let (claims, access) = self.authenticate(token, true, wallet)?;
        if let Some(wallet_id) = wallet
            && access.wallet != Some(wallet_id)
        {
            return Err(SessionError::WalletAccessDenied { wallet_id });
        }
        Ok((Self::verified(&claims, access.record), access.wallet))
    }

    /// Verifies a token for one wallet and one permission.
    ///
    /// # Errors
    /// As [`SessionIssuer::verify`], then `WALLET_ACCESS_DENIED`, then `PERMISSION_DENIED`.
    pub fn verify_access(
        &self,
        token: &str,
        wallet_id: WalletId,
        permission: Permission,
    ) -> Result<VerifiedSession, SessionError> {
        let (session, _) = self.verify_wallet(token, Some(wallet_id))?;
        session.check_permission(permission)?;
        Ok(session)
    }

    /// Verifies a token and lists the session's wallets, sorted by id. Reads the whole
    /// list: for callers that return it.
    ///
    /// # Errors
    /// As [`SessionIssuer::verify`].
    pub fn wallets(&self, token: &str) -> Result<Vec<WalletId>, SessionError> {
        let session = self.verify(token)?;
        Ok(self.vault.store().session_wallets(session.session_id)?)
    }

    /// Renews the session of `token` (the agent's own call): issues a token of the next
    /// generation, which invalidates `token` at once.
    ///
    /// # Errors
    /// Token checks as in [`SessionIssuer::verify`] (but the absolute lifetime reports
    /// `SESSION_ABSOLUTE_LIFETIME_EXCEEDED`), then `RENEWAL_NOT_REQUIRED` (unlimited),
    /// `RENEWAL_LIMIT_REACHED`, `SESSION_ABSOLUTE_LIFETIME_EXCEEDED` (also when renewing
    /// could not extend the token), `RENEWAL_TOO_EARLY` (less than half the TTL since
    /// the token was issued), and `SESSION_RENEWAL_MISMATCH` when a concurrent renewal
    /// won.
    pub fn renew(&self, token: &str) -> Result<IssuedSession, SessionError> {
        let (claims, SessionAccess { record, .. }) = self.authenticate(token, false, None)?;
        let Some(ttl) = record.ttl_seconds else {
            return Err(SessionError::RenewalNotRequired);
        };
        if record.max_renewals > 0 && record.renewal_count >= record.max_renewals {
            return Err(SessionError::RenewalLimitReached {
                max_renewals: record.max_renewals,
            });
        }
        let now = self.now();
        let end = absolute_end(&record);
        if let Some(end) = end
            && (now >= end || claims.exp.is_some_and(|exp| exp >= end))
        {
            return Err(SessionError::AbsoluteLifetimeExceeded);
        }
        let elapsed = u64::try_from(now.saturating_sub(claims.iat)).unwrap_or(0);
        if elapsed.saturating_mul(2) < ttl {
            let half = ttl.div_ceil(2);
            return Err(SessionError::RenewalTooEarly {
                retry_after_secs: half.saturating_sub(elapsed),
            });
        }
        let ttl_i = i64::try_from(ttl).unwrap_or(i64::MAX);
        let expires_at = end.map_or(now.saturating_add(ttl_i), |end| {
            now.saturating_add(ttl_i).min(end)
        });
        let cas = RenewalCas {
            id: record.id,
            expected_generation: claims.r#gen,
            expected_renewal_count: record.renewal_count,
            issued_at: now,
            expires_at,
        };
        let next_gen = claims.r#gen.saturating_add(1);
        // Sign first (no side effect), then publish with the compare-and-swap.
        let token = self.sign(&jwt::Claims {
            sub: record.id.to_string(),
            iat: now,
            exp: Some(expires_at),
            r#gen: next_gen,
        })?;
        #[cfg(feature = "test-hooks")]
        if let Some(hook) = &self.renew_hook {
            hook();
        }
        let store = self.vault.store();
        let audit = AuditEntry::new(
            now,
            &Actor::Session(record.id.to_string()),
            "SESSION_RENEWED",
        )
        .details(serde_json::json!({ "generation": next_gen, "expiresAt": expires_at }));
        if !store.renew_session(&cas, &audit)? {
            let current = store
                .session(record.id)?
                .ok_or(SessionError::SessionNotFound)?;
            return Err(if current.revoked_at.is_some() {
                SessionError::SessionRevoked
            } else {
                SessionError::RenewalMismatch
            });
        }
        let renewed = store
            .session(record.id)?
            .ok_or(SessionError::SessionNotFound)?;
        let wallet_ids = store.session_wallets(record.id)?;
        Ok(IssuedSession {
            info: SessionInfo::from_record(&renewed, wallet_ids, now),
            token,
        })
    }

    /// Test hook: a copy of this issuer that runs `hook` between a renewal's checks and
    /// its compare-and-swap, to reproduce a lost race deterministically.
    #[cfg(feature = "test-hooks")]
    #[doc(hidden)]
    #[must_use]
    pub fn clone_with_renew_hook(&self, hook: impl Fn() + Send + Sync + 'static) -> Self {
        Self {
            vault: self.vault.clone(),
            config: self.config,
            renew_hook: Some(Box::new(hook)),
        }
    }

    /// Revokes a session; every process sharing the database refuses its token from the
    /// next call on. Revoking twice is not an error.
    ///
    /// # Errors
    /// `SESSION_NOT_FOUND`; `STORAGE_ERROR`.
    pub fn revoke(&self, id: SessionId) -> Result<(), SessionError> {
        let store = self.vault.store();
        let audit = AuditEntry::new(self.now(), &Actor::Operator, "SESSION_REVOKED")
            .details(serde_json::json!({ "sessionId": id }));
        if store.revoke_session(id, self.now(), &audit)? || store.session(id)?.is_some() {
            Ok(())
        } else {
            Err(SessionError::SessionNotFound)
        }
    }

    /// Revokes every active session (the kill switch's first step); returns how many.
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    pub fn revoke_all(&self, actor: &Actor) -> Result<u64, SessionError> {
        let audit = AuditEntry::new(self.now(), actor, "SESSIONS_REVOKED");
        Ok(self.vault.store().revoke_all_sessions(self.now(), &audit)?)
    }

    /// One session.
    ///
    /// # Errors
    /// `SESSION_NOT_FOUND`; `STORAGE_ERROR`.
    pub fn get(&self, id: SessionId) -> Result<SessionInfo, SessionError> {
        let store = self.vault.store();
        let record = store.session(id)?.ok_or(SessionError::SessionNotFound)?;
        let wallet_ids = store.session_wallets(id)?;
        Ok(SessionInfo::from_record(&record, wallet_ids, self.now()))
    }

    /// Sessions, optionally only those linked to `wallet`.
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    pub fn list(&self, wallet: Option<WalletId>) -> Result<Vec<SessionInfo>, SessionError> {
        let now = self.now();
        Ok(self
            .vault
            .store()
            .sessions(wallet)?
            .into_iter()
            .map(|s| SessionInfo::from_record(&s.record, s.wallet_ids, now))
            .collect())
    }

    /// Rotates the token signing secret. Tokens signed with the previous secret stay
    /// valid for [`ROTATION_GRACE_SECS`]; new and renewed tokens use the new one.
    ///
    /// # Errors
    /// `VAULT_LOCKED`; `STORAGE_ERROR`.
    pub fn rotate_secret(&self) -> Result<(), SessionError> {
        let next = self.new_secret()?;
        self.vault.store().rotate_session_secret(
            &next,
            self.now(),
            &AuditEntry::new(self.now(), &Actor::Operator, "SESSION_SECRET_ROTATED"),
        )?;
        Ok(())
    }
}
