//! `Agent`: what an AI agent may do with its session token.

use waiaas::api;

use crate::{WaiaasError, decode, encode, id, maybe_id};

/// An agent's handle for one session token: only what the token and the operator's
/// policies allow. Every request is judged by its on-chain effect.
#[derive(uniffi::Object)]
pub struct Agent {
    inner: waiaas::Agent,
}

impl Agent {
    pub(crate) fn new(inner: waiaas::Agent) -> Self {
        Self { inner }
    }
}

fn send_request(request_json: &str) -> Result<waiaas::SendRequest, WaiaasError> {
    let request: api::SendTransaction = decode("request", request_json)?;
    Ok(request.to_request().map_err(waiaas::Error::from)?)
}

#[uniffi::export]
impl Agent {
    /// The session's wallets (ids, JSON array).
    ///
    /// # Errors
    /// Token errors (`SESSION_REVOKED`, `SESSION_EXPIRED`, …).
    pub fn wallets(&self) -> Result<String, WaiaasError> {
        encode(&self.inner.wallets()?)
    }

    /// The address of the session's wallet (or of `walletId`).
    ///
    /// # Errors
    /// Token errors, `WALLET_NOT_FOUND`, `WALLET_ID_REQUIRED` when the session has
    /// several wallets.
    #[uniffi::method(default(wallet_id = None))]
    pub fn address(&self, wallet_id: Option<String>) -> Result<String, WaiaasError> {
        Ok(self.inner.address(maybe_id("walletId", wallet_id)?)?)
    }

    /// The wallet's native balance (`Balance` JSON; needs a chain client).
    ///
    /// # Errors
    /// Token errors, `NO_CHAIN_CLIENT`, `CHAIN_UNAVAILABLE`.
    #[uniffi::method(default(wallet_id = None))]
    pub fn balance(&self, wallet_id: Option<String>) -> Result<String, WaiaasError> {
        encode(&self.inner.balance(maybe_id("walletId", wallet_id)?)?)
    }

    /// Sends (`api::SendTransaction` JSON): judged, recorded and signed, or queued
    /// for DELAY / APPROVAL; returns the `Transaction` JSON.
    ///
    /// # Errors
    /// `POLICY_DENIED` with every reason, `VALIDATION_FAILED`, token errors,
    /// `KILL_SWITCH_ACTIVE` (`SYSTEM_LOCKED` once escalated), `RATE_LIMITED`.
    pub fn send(&self, request_json: String) -> Result<String, WaiaasError> {
        encode(&self.inner.send(&send_request(&request_json)?)?)
    }

    /// The decision a send would get, without sending (`Decision` JSON).
    ///
    /// # Errors
    /// `VALIDATION_FAILED`, token errors.
    pub fn simulate(&self, request_json: String) -> Result<String, WaiaasError> {
        encode(&self.inner.simulate(&send_request(&request_json)?)?)
    }

    /// Signs an off-chain message (`api::SignMessage` JSON), judged by policy.
    ///
    /// # Errors
    /// `POLICY_DENIED`, `VALIDATION_FAILED`, token errors.
    pub fn sign_message(&self, request_json: String) -> Result<String, WaiaasError> {
        let request: api::SignMessage = decode("request", &request_json)?;
        let bytes = request.bytes().map_err(waiaas::Error::from)?;
        encode(&self.inner.sign_message(request.wallet_id, &bytes)?)
    }

    /// Signs EIP-712 typed data (`api::SignTypedData` JSON), judged by what it
    /// authorizes.
    ///
    /// # Errors
    /// `POLICY_DENIED`, `VALIDATION_FAILED`, token errors.
    pub fn sign_typed_data(&self, request_json: String) -> Result<String, WaiaasError> {
        let request: api::SignTypedData = decode("request", &request_json)?;
        encode(
            &self
                .inner
                .sign_typed_data(request.wallet_id, &request.json())?,
        )
    }

    /// Signs an unsigned transaction built elsewhere (`api::SignTransaction` JSON),
    /// judged by its decoded effect.
    ///
    /// # Errors
    /// `POLICY_DENIED`, `VALIDATION_FAILED`, token errors.
    pub fn sign_transaction(&self, request_json: String) -> Result<String, WaiaasError> {
        let request: api::SignTransaction = decode("request", &request_json)?;
        encode(
            &self
                .inner
                .sign_transaction(request.wallet_id, &request.transaction)?,
        )
    }

    /// The agent's recent transactions, newest first (`Transaction[]` JSON).
    ///
    /// # Errors
    /// Token errors.
    #[uniffi::method(default(limit = 20))]
    pub fn transactions(&self, limit: u32) -> Result<String, WaiaasError> {
        encode(&self.inner.transactions(limit)?)
    }

    /// One of the agent's transactions.
    ///
    /// # Errors
    /// `TX_NOT_FOUND`, token errors.
    pub fn transaction(&self, tx_id: String) -> Result<String, WaiaasError> {
        encode(&self.inner.transaction(id("txId", tx_id)?)?)
    }

    /// Cancels one of the agent's queued (DELAY) transactions.
    ///
    /// # Errors
    /// `TX_NOT_FOUND`, `TX_ALREADY_PROCESSED`, token errors.
    pub fn cancel(&self, tx_id: String) -> Result<String, WaiaasError> {
        encode(&self.inner.cancel(id("txId", tx_id)?)?)
    }

    /// Renews the session token; this handle uses the new one from now on (the old
    /// one is refused at once). Returns `SessionWithToken` JSON.
    ///
    /// # Errors
    /// `RENEWAL_TOO_EARLY`, `RENEWAL_LIMIT_REACHED`, `SESSION_ABSOLUTE_LIFETIME_EXCEEDED`.
    pub fn renew(&self) -> Result<String, WaiaasError> {
        encode(&api::SessionWithToken::from(&self.inner.renew()?))
    }

    /// The agent's tools as LLM function-calling definitions (`waiaas::tools`), JSON.
    ///
    /// # Errors
    /// `INTERNAL` if they could not be written (never in practice).
    pub fn tools(&self) -> Result<String, WaiaasError> {
        encode(&self.inner.tools())
    }

    /// Runs one tool call (`name`, JSON `arguments`) and returns `{ok, result}` or
    /// `{ok: false, error}` JSON: a denial is data with every reason, not an exception.
    ///
    /// # Errors
    /// `VALIDATION_FAILED` when `argumentsJson` is not JSON.
    #[uniffi::method(default(arguments_json = "null"))]
    pub fn call_tool(&self, name: String, arguments_json: String) -> Result<String, WaiaasError> {
        let arguments: serde_json::Value = decode("arguments", &arguments_json)?;
        encode(&self.inner.call_tool(&name, arguments))
    }
}
