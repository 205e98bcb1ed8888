//! Error families. Every variant carries a stable string code (see [`ErrorCode`]);
//! messages follow one style: lowercase, no trailing period, user input in backticks,
//! and never a secret.

use crate::ids::WalletId;
use crate::store::WalletStatus;

/// A stable, machine-readable error code such as `INVALID_TOKEN`.
///
/// Codes never change once released; bindings and the HTTP server expose them as-is.
pub trait ErrorCode {
    /// The stable code of this error.
    fn code(&self) -> &'static str;
}

/// Bad input: a malformed address, amount, identifier or field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ValidationError {
    /// An address that is not valid for its chain.
    #[error("invalid {chain} address `{address}`: {reason}")]
    InvalidAddress {
        /// The chain the address was checked for.
        chain: &'static str,
        /// The offending input (addresses are public data).
        address: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// An amount that cannot be represented exactly.
    #[error("invalid amount `{input}`: {reason}")]
    InvalidAmount {
        /// The offending input.
        input: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Any other field that fails validation.
    #[error("invalid `{field}`: {reason}")]
    Field {
        /// The name of the field, as the caller spells it.
        field: String,
        /// What is wrong and how to fix it.
        reason: String,
    },
}

impl ValidationError {
    /// Shorthand for [`ValidationError::Field`].
    pub fn field(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::Field {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

impl ErrorCode for ValidationError {
    fn code(&self) -> &'static str {
        match self {
            Self::InvalidAddress { .. } => "INVALID_ADDRESS",
            Self::InvalidAmount { .. } => "INVALID_AMOUNT",
            Self::Field { .. } => "VALIDATION_FAILED",
        }
    }
}

/// A storage failure. Messages name the operation, never a stored value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database reported an error (I/O, lock timeout, constraint).
    #[error("storage error during {operation}: {message}")]
    Database {
        /// What the store was doing.
        operation: &'static str,
        /// The database's own description (SQL text at most, never bound values).
        message: String,
    },
    /// The database server could not be reached or dropped the connection (network,
    /// restart, failover, no free connection in time). Retryable: nothing is
    /// half-written (the server rolls an interrupted transaction back), but an
    /// interrupted commit may have taken effect, so retry a send with the same
    /// idempotency key (a repeat returns the first result and never signs twice).
    #[error("the database is unavailable during {operation}: {message}; retry")]
    Unavailable {
        /// What the store was doing.
        operation: &'static str,
        /// What failed (never a bound value or a password).
        message: String,
    },
    /// The database was written by a newer waiaas.
    #[error(
        "database schema version {found} is newer than this build supports ({supported}); upgrade waiaas"
    )]
    SchemaTooNew {
        /// Version found in the file.
        found: u32,
        /// Newest version this build knows.
        supported: u32,
    },
    /// A stored row does not parse.
    #[error("corrupt row in `{table}`: {reason}")]
    CorruptRow {
        /// Table holding the row.
        table: &'static str,
        /// What failed to parse.
        reason: String,
    },
    /// A spend reservation with this request id already exists.
    #[error("request `{request_id}` already has a reservation; use a new request id")]
    DuplicateRequest {
        /// The request id.
        request_id: String,
    },
    /// An audited change was attempted while the store holds no audit key (the vault is
    /// locked, or was never unlocked on this store handle): nothing is written.
    #[error("the audit log cannot be written while the vault is locked; unlock the vault first")]
    AuditKeyMissing,
    /// The disk holding the database is full; the operation did not take effect.
    #[error(
        "storage full during {operation}: free disk space on the database's volume, then retry"
    )]
    Full {
        /// What the store was doing.
        operation: &'static str,
    },
    /// Another connection held the database longer than the busy timeout; the
    /// operation did not take effect.
    #[error(
        "storage busy during {operation}: another process held the database longer than the busy timeout; retry"
    )]
    Busy {
        /// What the store was doing.
        operation: &'static str,
    },
    /// A file-system operation around the database failed.
    #[error("cannot {operation} `{path}`: {message}")]
    Io {
        /// What was attempted.
        operation: &'static str,
        /// The path involved.
        path: String,
        /// The OS error.
        message: String,
    },
}

impl ErrorCode for StoreError {
    fn code(&self) -> &'static str {
        match self {
            Self::SchemaTooNew { .. } => "SCHEMA_TOO_NEW",
            Self::DuplicateRequest { .. } => "DUPLICATE_REQUEST",
            Self::AuditKeyMissing => "VAULT_LOCKED",
            Self::Full { .. } => "STORAGE_FULL",
            Self::Busy { .. } => "STORAGE_BUSY",
            Self::Unavailable { .. } => "STORAGE_UNAVAILABLE",
            Self::Database { .. } | Self::CorruptRow { .. } | Self::Io { .. } => "STORAGE_ERROR",
        }
    }
}

/// Moving a vault to another database (`waiaas db migrate`) refused or undone: nothing
/// was written to the target.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MigrationError {
    /// The target database already holds data: a vault is never merged into another.
    #[error(
        "target database `{target}` is not empty (table `{table}` has rows); migrate into an empty database, never into a live vault"
    )]
    TargetNotEmpty {
        /// `host:port/database` (never the password).
        target: String,
        /// The first table found with rows.
        table: String,
    },
    /// The source was written by an older waiaas.
    #[error(
        "source vault schema version {found} is older than this build's ({supported}); open it once with this waiaas (`waiaas status`), which upgrades it, then migrate"
    )]
    SourceSchemaOlder {
        /// Version of the source.
        found: u32,
        /// This build's.
        supported: u32,
    },
    /// The source was written by a newer waiaas.
    #[error(
        "source vault schema version {found} is newer than this build's ({supported}); migrate it with the waiaas that wrote it"
    )]
    SourceSchemaNewer {
        /// Version of the source.
        found: u32,
        /// This build's.
        supported: u32,
    },
    /// The source's audit log was never keyed (its vault was last unlocked before
    /// schema 4); the next unlock keys it.
    #[error(
        "source vault's audit log is not keyed yet; open it once with this waiaas (`waiaas status`), which keys it, then migrate"
    )]
    SourceAuditUnkeyed,
    /// A check before or after the copy failed; the copy was rolled back.
    #[error("{check} failed: {reason}; nothing was written to the target")]
    CheckFailed {
        /// Which check (`source audit log`, `copied audit log`, `row count of \`wallets\``…).
        check: String,
        /// What it found.
        reason: String,
    },
    /// Reading the source or writing the target failed; nothing was written.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The source vault cannot be read (missing, wrong password, corrupt header).
    #[error(transparent)]
    Vault(#[from] VaultError),
}

impl ErrorCode for MigrationError {
    fn code(&self) -> &'static str {
        match self {
            Self::TargetNotEmpty { .. } => "MIGRATION_TARGET_NOT_EMPTY",
            Self::SourceSchemaOlder { .. }
            | Self::SourceSchemaNewer { .. }
            | Self::SourceAuditUnkeyed => "MIGRATION_SOURCE_NOT_CURRENT",
            Self::CheckFailed { .. } => "MIGRATION_CHECK_FAILED",
            Self::Store(e) => e.code(),
            Self::Vault(e) => e.code(),
        }
    }
}

/// Vault failures: unlocking, sealing and opening wallet secrets, key import.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VaultError {
    /// The master password does not open this vault.
    #[error("invalid master password")]
    InvalidMasterPassword,
    /// Too many failed unlocks; the caller must wait.
    #[error("master password locked after repeated failures; retry in {retry_after_secs} s")]
    MasterPasswordLocked {
        /// Seconds until the next attempt is accepted.
        retry_after_secs: u64,
    },
    /// No master password was supplied by any source.
    #[error(
        "no master password: pass one, or set `WAIAAS_MASTER_PASSWORD` or `WAIAAS_MASTER_PASSWORD_FILE`, or provision `recovery.key`"
    )]
    MasterPasswordRequired,
    /// A password source exists but is unusable (empty file, unreadable file).
    #[error("master password source {source_name} is unusable: {reason}")]
    PasswordSource {
        /// Which source (`WAIAAS_MASTER_PASSWORD_FILE`, `recovery.key`, …).
        source_name: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// The vault header fails its integrity checks.
    #[error("vault header is corrupt: {reason}")]
    HeaderCorrupt {
        /// Which check failed.
        reason: &'static str,
    },
    /// A wallet secret fails authentication (tampered, or moved from another row).
    #[error(
        "secret of wallet `{wallet_id}` fails authentication: the vault is corrupt or was tampered with"
    )]
    SecretCorrupt {
        /// The wallet whose secret failed.
        wallet_id: WalletId,
    },
    /// A sealed secret other than a wallet's (a notification channel's) fails
    /// authentication.
    #[error(
        "sealed secret `{label}` fails authentication: the vault is corrupt or was tampered with"
    )]
    SealedCorrupt {
        /// Whose secret it is (`notify/<channel name>`).
        label: String,
    },
    /// The vault uses the insecure test KDF profile and the caller did not allow it.
    #[error(
        "vault was created with the insecure test key-derivation profile; refusing to open it without `allow_insecure_kdf`"
    )]
    InsecureKdf,
    /// The vault has been locked; unlock it again.
    #[error("vault is locked")]
    Locked,
    /// No vault exists in this database.
    #[error("no vault in this database; create one first")]
    NotInitialized,
    /// A vault already exists in this database.
    #[error("a vault already exists in this database")]
    AlreadyExists,
    /// No wallet with this id.
    #[error("wallet `{0}` not found")]
    WalletNotFound(WalletId),
    /// The wallet is suspended or terminated and may not sign.
    #[error("wallet `{wallet_id}` is {} and cannot sign; resume it first", status.as_str().to_lowercase())]
    WalletNotActive {
        /// The wallet.
        wallet_id: WalletId,
        /// Its status.
        status: WalletStatus,
    },
    /// Bad input (key material, parameters, names).
    #[error(transparent)]
    Validation(#[from] ValidationError),
    /// Storage failure.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ErrorCode for VaultError {
    fn code(&self) -> &'static str {
        match self {
            Self::InvalidMasterPassword => "INVALID_MASTER_PASSWORD",
            Self::MasterPasswordLocked { .. } => "MASTER_PASSWORD_LOCKED",
            Self::MasterPasswordRequired => "MASTER_PASSWORD_REQUIRED",
            Self::PasswordSource { .. } => "VALIDATION_FAILED",
            Self::HeaderCorrupt { .. }
            | Self::SecretCorrupt { .. }
            | Self::SealedCorrupt { .. } => "VAULT_CORRUPT",
            Self::InsecureKdf => "VAULT_INSECURE_KDF",
            Self::Locked => "VAULT_LOCKED",
            Self::NotInitialized => "VAULT_NOT_FOUND",
            Self::AlreadyExists => "VAULT_ALREADY_EXISTS",
            Self::WalletNotFound(_) => "WALLET_NOT_FOUND",
            Self::WalletNotActive { status, .. } => match status {
                WalletStatus::Terminated => "WALLET_TERMINATED",
                _ => "WALLET_SUSPENDED",
            },
            Self::Validation(e) => e.code(),
            Self::Store(e) => e.code(),
        }
    }
}

/// Session failures, in the order [`crate::session::SessionIssuer::verify`] checks them.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    /// Malformed token, wrong prefix, unsupported algorithm or bad signature.
    #[error("invalid session token: {reason}")]
    InvalidToken {
        /// What was wrong (never the token itself).
        reason: &'static str,
    },
    /// The token's `exp` has passed; renew earlier or ask the operator for a new session.
    #[error("session token expired")]
    TokenExpired,
    /// The session id in the token is unknown.
    #[error("session not found")]
    SessionNotFound,
    /// The operator revoked the session.
    #[error("session revoked")]
    SessionRevoked,
    /// A newer token was issued for this session (renewal); use it.
    #[error("session token superseded by a renewed token")]
    TokenSuperseded,
    /// The session's absolute lifetime has passed.
    #[error("session expired: absolute lifetime reached")]
    SessionExpired,
    /// The session is not linked to the wallet it tried to use.
    #[error("session has no access to wallet `{wallet_id}`")]
    WalletAccessDenied {
        /// The wallet asked for.
        wallet_id: WalletId,
    },
    /// The session lacks a permission.
    #[error("session lacks permission `{permission}`")]
    PermissionDenied {
        /// The permission required.
        permission: &'static str,
    },
    /// The session has no expiry, so renewing it is pointless.
    #[error("session is unlimited; renewal is not required")]
    RenewalNotRequired,
    /// Another renewal won the race; use the token it produced.
    #[error("session was renewed concurrently; use the newest token")]
    RenewalMismatch,
    /// `max_renewals` reached.
    #[error("session reached its maximum of {max_renewals} renewals")]
    RenewalLimitReached {
        /// The configured maximum.
        max_renewals: u32,
    },
    /// Renewing would not extend the session past its absolute lifetime.
    #[error("session absolute lifetime reached; renewal cannot extend it")]
    AbsoluteLifetimeExceeded,
    /// Less than half the TTL has elapsed since the token was issued.
    #[error("renewal too early: retry in {retry_after_secs} s")]
    RenewalTooEarly {
        /// Seconds until renewal is accepted.
        retry_after_secs: u64,
    },
    /// The wallet already has the maximum number of active sessions.
    #[error("wallet `{wallet_id}` already has {max} active sessions; revoke one first")]
    SessionLimitExceeded {
        /// The wallet at its cap.
        wallet_id: WalletId,
        /// The cap.
        max: u32,
    },
    /// A session parameter is invalid.
    #[error(transparent)]
    Validation(#[from] ValidationError),
    /// The vault is locked or corrupt, or a wallet is missing.
    #[error(transparent)]
    Vault(#[from] VaultError),
    /// Storage failure.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ErrorCode for SessionError {
    fn code(&self) -> &'static str {
        match self {
            Self::InvalidToken { .. } => "INVALID_TOKEN",
            Self::TokenExpired => "TOKEN_EXPIRED",
            Self::SessionNotFound => "SESSION_NOT_FOUND",
            Self::SessionRevoked => "SESSION_REVOKED",
            Self::TokenSuperseded => "TOKEN_SUPERSEDED",
            Self::SessionExpired => "SESSION_EXPIRED",
            Self::WalletAccessDenied { .. } => "WALLET_ACCESS_DENIED",
            Self::PermissionDenied { .. } => "PERMISSION_DENIED",
            Self::RenewalNotRequired => "RENEWAL_NOT_REQUIRED",
            Self::RenewalMismatch => "SESSION_RENEWAL_MISMATCH",
            Self::RenewalLimitReached { .. } => "RENEWAL_LIMIT_REACHED",
            Self::AbsoluteLifetimeExceeded => "SESSION_ABSOLUTE_LIFETIME_EXCEEDED",
            Self::RenewalTooEarly { .. } => "RENEWAL_TOO_EARLY",
            Self::SessionLimitExceeded { .. } => "SESSION_LIMIT_EXCEEDED",
            Self::Validation(e) => e.code(),
            Self::Vault(e) => e.code(),
            Self::Store(e) => e.code(),
        }
    }
}
