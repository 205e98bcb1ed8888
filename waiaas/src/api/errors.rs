//! Every error code waiaas returns, with its class (what an HTTP server answers) and
//! the template of its message. One table: servers and bindings map through it, and a
//! test proves it lists every code the crates can produce.

use serde::Serialize;

/// What kind of failure a code is; servers map it to a status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorClass {
    /// The input is wrong; fix it and retry (HTTP 400).
    InvalidInput,
    /// The caller did not prove who it is: bad password, token or signature (401).
    Unauthenticated,
    /// The caller is known but may not do this — including a policy denial (403).
    Forbidden,
    /// The thing named does not exist (404).
    NotFound,
    /// The state does not allow it now (409).
    Conflict,
    /// Too many attempts or too early; `retryAfterSecs` says when (429).
    RateLimited,
    /// Stopped or not configured on this side: kill switch, locked vault, no chain
    /// client, an unreachable node (503).
    Unavailable,
    /// The store or vault is broken; not the caller's fault (500).
    Internal,
}

impl ErrorClass {
    /// The HTTP status a server answers with.
    #[must_use]
    pub fn http_status(self) -> u16 {
        match self {
            Self::InvalidInput => 400,
            Self::Unauthenticated => 401,
            Self::Forbidden => 403,
            Self::NotFound => 404,
            Self::Conflict => 409,
            Self::RateLimited => 429,
            Self::Unavailable => 503,
            Self::Internal => 500,
        }
    }
}

/// One error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorCodeInfo {
    /// The stable code.
    pub code: &'static str,
    /// Its class.
    pub class: ErrorClass,
    /// Every form its message takes, `{name}` marking what varies (a code shared by
    /// several errors has several).
    pub messages: &'static [&'static str],
}

const fn e(
    code: &'static str,
    class: ErrorClass,
    messages: &'static [&'static str],
) -> ErrorCodeInfo {
    ErrorCodeInfo {
        code,
        class,
        messages,
    }
}

use ErrorClass::{
    Conflict, Forbidden, Internal, InvalidInput, NotFound, RateLimited, Unauthenticated,
    Unavailable,
};

/// Every code, sorted.
#[rustfmt::skip]
pub const ERROR_CODES: &[ErrorCodeInfo] = &[
    e("APPROVAL_LINK_EXPIRED", Unauthenticated, &["approval link for transaction `{txId}` has expired; the approval window is over or a newer notification has a fresh link"]),
    e("APPROVAL_LINK_INVALID", Unauthenticated, &["approval link is not valid for transaction `{txId}`; open the link exactly as the notification sent it"]),
    e("APPROVAL_LINK_USED", Unauthenticated, &["approval link for transaction `{txId}` was already opened; each link opens its page once, so if you did not open it, someone else did: check the transaction before signing anything"]),
    e("APPROVAL_MESSAGE_MISMATCH", Unauthenticated, &["the signed message is not the current approval text for this transaction and action; fetch it with `approval_request`"]),
    e("APPROVAL_TIMEOUT", Conflict, &["approval window of transaction `{txId}` has closed"]),
    e("CHAIN_CLIENT_REQUIRED", Unavailable, &["no chain client is configured for `{network}`; give it an RPC URL in `Config::rpc_urls` or a client in `Host::chain_clients`"]),
    e("CHAIN_ERROR", Unavailable, &["chain error: {message}"]),
    e("CHAIN_MISMATCH", InvalidInput, &["chain id {found} does not match the wallet network `{network}` (chain id {expected})"]),
    e("DUPLICATE_REQUEST", Conflict, &["request `{requestId}` already has a reservation; use a new request id"]),
    e("DURABLE_NONCE_NOT_ALLOWED", Forbidden, &["durable nonce not allowed: {reason}"]),
    e("HOST_NOT_ALLOWED", Forbidden, &["host `{host}` is not allowed; call the server by a loopback address or add the host to its allowed hosts"]),
    e("INSUFFICIENT_BALANCE", Conflict, &["insufficient balance: {message}"]),
    e("INTERNAL_ERROR", Internal, &["internal error; the request may or may not have taken effect, check its result before retrying"]),
    e("INVALID_ADDRESS", InvalidInput, &["invalid {chain} address `{address}`: {reason}"]),
    e("INVALID_AMOUNT", InvalidInput, &["invalid amount `{input}`: {reason}"]),
    e("INVALID_MASTER_PASSWORD", Unauthenticated, &["invalid master password", "missing `X-Master-Password` header"]),
    e("INVALID_MESSAGE", InvalidInput, &["invalid message: {reason}"]),
    e("INVALID_SIGNATURE", Unauthenticated, &["invalid signature: {reason}"]),
    e("INVALID_TOKEN", Unauthenticated, &["invalid session token: {reason}"]),
    e("INVALID_TRANSACTION", InvalidInput, &["invalid transaction: {reason}"]),
    e("KILL_SWITCH_ACTIVE", Unavailable, &["kill switch is {state}; nothing can be signed until the operator recovers"]),
    e("MASTER_PASSWORD_LOCKED", RateLimited, &["master password locked after repeated failures; retry in {retryAfterSecs} s"]),
    e("MASTER_PASSWORD_REQUIRED", Unauthenticated, &["no master password: pass one, or set `WAIAAS_MASTER_PASSWORD` or `WAIAAS_MASTER_PASSWORD_FILE`, or provision `recovery.key`"]),
    e("METHOD_NOT_ALLOWED", InvalidInput, &["method not allowed on this route"]),
    e("MIGRATION_CHECK_FAILED", Internal, &["{check} failed: {reason}; nothing was written to the target"]),
    e("MIGRATION_SOURCE_NOT_CURRENT", Conflict, &["source vault schema version {found} is older than this build's ({supported}); open it once with this waiaas (`waiaas status`), which upgrades it, then migrate", "source vault schema version {found} is newer than this build's ({supported}); migrate it with the waiaas that wrote it", "source vault's audit log is not keyed yet; open it once with this waiaas (`waiaas status`), which keys it, then migrate"]),
    e("MIGRATION_TARGET_NOT_EMPTY", Conflict, &["target database `{target}` is not empty (table `{table}` has rows); migrate into an empty database, never into a live vault"]),
    e("OWNER_ALREADY_CONNECTED", Conflict, &["the wallet owner is verified and cannot be changed or removed by the operator"]),
    e("OWNER_NOT_CONNECTED", Conflict, &["wallet has no owner; register one first"]),
    e("PAYLOAD_TOO_LARGE", InvalidInput, &["request body exceeds {limit} bytes"]),
    e("PERMISSION_DENIED", Forbidden, &["session lacks permission `{permission}`"]),
    e("POLICY_DENIED", Forbidden, &["denied by policy: {reasons}"]),
    e("POLICY_NOT_FOUND", NotFound, &["policy `{policyId}` not found"]),
    e("RATE_LIMIT_EXCEEDED", RateLimited, &["too many requests for this session: at most {limit} per {windowSecs} s; retry in {retryAfterSecs} s"]),
    e("RENEWAL_LIMIT_REACHED", Forbidden, &["session reached its maximum of {maxRenewals} renewals"]),
    e("RENEWAL_NOT_REQUIRED", Conflict, &["session is unlimited; renewal is not required"]),
    e("RENEWAL_TOO_EARLY", RateLimited, &["renewal too early: retry in {retryAfterSecs} s"]),
    e("ROUTE_NOT_FOUND", NotFound, &["no route `{path}`"]),
    e("SCHEMA_TOO_NEW", Internal, &["database schema version {found} is newer than this build supports ({supported}); upgrade waiaas"]),
    e("SESSION_ABSOLUTE_LIFETIME_EXCEEDED", Forbidden, &["session absolute lifetime reached; renewal cannot extend it"]),
    e("SESSION_EXPIRED", Unauthenticated, &["session expired: absolute lifetime reached"]),
    e("SESSION_LIMIT_EXCEEDED", Conflict, &["wallet `{walletId}` already has {max} active sessions; revoke one first"]),
    e("SESSION_NOT_FOUND", NotFound, &["session not found"]),
    e("SESSION_RENEWAL_MISMATCH", Conflict, &["session was renewed concurrently; use the newest token"]),
    e("SESSION_REVOKED", Unauthenticated, &["session revoked"]),
    e("STORAGE_BUSY", Unavailable, &["storage busy during {operation}: another process held the database longer than the busy timeout; retry"]),
    e("STORAGE_ERROR", Internal, &["storage error during {operation}: {message}", "corrupt row in `{table}`: {reason}", "cannot {operation} `{path}`: {message}"]),
    e("STORAGE_FULL", Unavailable, &["storage full during {operation}: free disk space on the database's volume, then retry"]),
    e("STORAGE_UNAVAILABLE", Unavailable, &["the database is unavailable during {operation}: {message}; retry"]),
    e("SYSTEM_LOCKED", Unavailable, &["the system is locked (kill switch escalated); nothing can be signed until the operator recovers"]),
    e("TOKEN_EXPIRED", Unauthenticated, &["session token expired"]),
    e("TOKEN_SUPERSEDED", Unauthenticated, &["session token superseded by a renewed token"]),
    e("TRANSACTION_REVERTED", Conflict, &["transaction `{txId}` reverted: {reason}"]),
    e("TX_ALREADY_PROCESSED", Conflict, &["transaction `{txId}` is already {status}"]),
    e("TX_NOT_FOUND", NotFound, &["transaction `{txId}` not found"]),
    e("UNSUPPORTED_MEDIA_TYPE", InvalidInput, &["expected `Content-Type: application/json`"]),
    e("UNSUPPORTED_TRANSACTION", InvalidInput, &["unsupported transaction: {reason}"]),
    e("VALIDATION_FAILED", InvalidInput, &["invalid `{field}`: {reason}", "invalid request body: {reason}", "invalid query string: {reason}", "invalid path: {reason}", "master password source {source} is unusable: {reason}", "invalid webhook url: {reason}", "webhook secret too short: at least {min} bytes required", "invalid webhook option `{field}`: {reason}"]),
    e("VAULT_ALREADY_EXISTS", Conflict, &["a vault already exists in this database"]),
    e("VAULT_CORRUPT", Internal, &["vault header is corrupt: {reason}", "secret of wallet `{walletId}` fails authentication: the vault is corrupt or was tampered with", "sealed secret `{label}` fails authentication: the vault is corrupt or was tampered with"]),
    e("VAULT_INSECURE_KDF", Forbidden, &["vault was created with the insecure test key-derivation profile; refusing to open it without `allow_insecure_kdf`"]),
    e("VAULT_LOCKED", Unavailable, &["vault is locked", "the audit log cannot be written while the vault is locked; unlock the vault first"]),
    e("VAULT_NOT_FOUND", NotFound, &["no vault in this database; create one first"]),
    e("WALLET_ACCESS_DENIED", Forbidden, &["session has no access to wallet `{walletId}`"]),
    e("WALLET_NOT_FOUND", NotFound, &["wallet `{walletId}` not found", "wallet `{walletId}` not found; create the wallet before its policies"]),
    e("WALLET_SUSPENDED", Forbidden, &["wallet `{walletId}` is suspended and cannot sign; resume it first"]),
    e("WALLET_TERMINATED", Forbidden, &["wallet `{walletId}` is terminated and cannot sign; resume it first"]),
    e("WEBHOOK_FAILED", Unavailable, &["webhook delivery failed after {attempts} attempts: {last}"]),
    e("WEBHOOK_REJECTED", Unavailable, &["webhook receiver refused the event with http status {status}"]),
];

/// The entry of `code`; `None` for a code this build does not know.
#[must_use]
pub fn error_code_info(code: &str) -> Option<&'static ErrorCodeInfo> {
    ERROR_CODES
        .binary_search_by(|e| e.code.cmp(code))
        .ok()
        .and_then(|i| ERROR_CODES.get(i))
}

impl crate::Error {
    /// The class of this error (an HTTP server's status); an unknown code is
    /// [`ErrorClass::Internal`].
    #[must_use]
    pub fn class(&self) -> ErrorClass {
        error_code_info(self.code()).map_or(ErrorClass::Internal, |e| e.class)
    }
}
