//! `Agent` (one session token) and `Owner` (signature-proven actions).

use napi::Env;
use napi::bindgen_prelude::AsyncTask;
use serde_json::Value;
use waiaas::api::{SendTransaction, SessionWithToken, SignMessage, SignTransaction, SignTypedData};

use crate::error::{Outcome, sync};
use crate::task::JsonTask;
use crate::{from_js, id, to_js};

/// What an AI agent may do with its session token: only what the token and the
/// operator's policies allow.
#[napi]
pub struct Agent {
    inner: Option<waiaas::Agent>,
}

impl Agent {
    pub(crate) fn wrap(inner: waiaas::Agent) -> Self {
        Self { inner: Some(inner) }
    }

    fn get(&self) -> Outcome<&waiaas::Agent> {
        self.inner
            .as_ref()
            .ok_or_else(|| waiaas_core::VaultError::Locked.into())
    }

    /// A clone for a call that runs off the main thread.
    fn handle(&self) -> Outcome<waiaas::Agent> {
        self.get().cloned()
    }
}

fn send_request(request: String) -> Outcome<waiaas::SendRequest> {
    let request: SendTransaction = from_js("request", &request)?;
    Ok(request.to_request()?)
}

#[napi]
impl Agent {
    /// The address of the session's wallet (or of `walletId`).
    #[napi]
    pub fn address(&self, env: Env, wallet_id: Option<String>) -> napi::Result<String> {
        sync(&env, || {
            let wallet = wallet_id.map(|w| id("walletId", w)).transpose()?;
            Ok(self.get()?.address(wallet)?)
        })
    }

    /// Sends (`api::SendTransaction`) off the main thread; resolves to the
    /// `Transaction`, rejects with `POLICY_DENIED` and every reason, …
    #[napi(
        ts_args_type = "request: Record<string, unknown>",
        ts_return_type = "Promise<Transaction>"
    )]
    pub fn send(&self, request: String) -> AsyncTask<JsonTask> {
        let agent = self.handle();
        AsyncTask::new(JsonTask::new(move || {
            let request = send_request(request)?;
            to_js(&agent?.send(&request)?)
        }))
    }

    /// The decision a send would get, without sending (`Decision`).
    #[napi(
        ts_args_type = "request: Record<string, unknown>",
        ts_return_type = "Decision"
    )]
    pub fn simulate(&self, env: Env, request: String) -> napi::Result<String> {
        sync(&env, || {
            let request = send_request(request)?;
            to_js(&self.get()?.simulate(&request)?)
        })
    }

    /// The agent's recent transactions, newest first (default 20).
    #[napi(ts_return_type = "Transaction[]")]
    pub fn transactions(&self, env: Env, limit: Option<u32>) -> napi::Result<String> {
        sync(&env, || {
            to_js(&self.get()?.transactions(limit.unwrap_or(20))?)
        })
    }

    /// Cancels one of the agent's queued (DELAY) transactions.
    #[napi(ts_return_type = "Transaction")]
    pub fn cancel(&self, env: Env, tx_id: String) -> napi::Result<String> {
        sync(&env, || to_js(&self.get()?.cancel(id("txId", tx_id)?)?))
    }

    /// The agent's tools as LLM function-calling definitions (`waiaas::tools`).
    #[napi(
        ts_return_type = "Array<{ name: string; description: string; parameters: Record<string, unknown> }>"
    )]
    pub fn tools(&self, env: Env) -> napi::Result<String> {
        sync(&env, || to_js(&self.get()?.tools()))
    }

    /// Runs a tool off the main thread; resolves to `{ok: true, result}` or
    /// `{ok: false, error}` (a denial is data, not a rejection).
    #[napi(
        ts_args_type = "name: string, args?: Record<string, unknown> | null",
        ts_return_type = "Promise<unknown>"
    )]
    pub fn call_tool(&self, name: String, args: String) -> AsyncTask<JsonTask> {
        let agent = self.handle();
        AsyncTask::new(JsonTask::new(move || {
            let args: Value = from_js("args", &args)?;
            to_js(&agent?.call_tool(&name, args))
        }))
    }

    /// The ids of the wallets this session may use.
    #[napi(ts_return_type = "string[]")]
    pub fn wallets(&self, env: Env) -> napi::Result<String> {
        sync(&env, || to_js(&self.get()?.wallets()?))
    }

    /// The native balance of the session's wallet (or of `walletId`), read through the
    /// network's chain client (`config.rpcUrls`), off the main thread.
    #[napi(ts_return_type = "Promise<Balance>")]
    pub fn balance(&self, wallet_id: Option<String>) -> AsyncTask<JsonTask> {
        let agent = self.handle();
        AsyncTask::new(JsonTask::new(move || {
            let wallet = wallet_id.map(|w| id("walletId", w)).transpose()?;
            to_js(&agent?.balance(wallet)?)
        }))
    }

    /// Signs a message under policy (`api::SignMessage`: `{message, encoding?, walletId?}`;
    /// SIGN_MESSAGE permission), off the main thread. On Solana the signature is over
    /// the off-chain message envelope returned as `result.signedMessage`.
    #[napi(
        ts_args_type = "request: { message: string; encoding?: 'utf8' | 'hex'; walletId?: string }",
        ts_return_type = "Promise<Transaction>"
    )]
    pub fn sign_message(&self, request: String) -> AsyncTask<JsonTask> {
        let agent = self.handle();
        AsyncTask::new(JsonTask::new(move || {
            let request: SignMessage = from_js("request", &request)?;
            to_js(&agent?.sign_message(request.wallet_id, &request.bytes()?)?)
        }))
    }

    /// Signs EIP-712 typed data under policy (`api::SignTypedData`: `{typedData,
    /// walletId?}`; SIGN_TYPED_DATA permission), off the main thread.
    #[napi(
        ts_args_type = "request: { typedData: Record<string, unknown> | string; walletId?: string }",
        ts_return_type = "Promise<Transaction>"
    )]
    pub fn sign_typed_data(&self, request: String) -> AsyncTask<JsonTask> {
        let agent = self.handle();
        AsyncTask::new(JsonTask::new(move || {
            let request: SignTypedData = from_js("request", &request)?;
            to_js(&agent?.sign_typed_data(request.wallet_id, &request.json())?)
        }))
    }

    /// Signs an unsigned transaction built elsewhere (`api::SignTransaction`:
    /// `{transaction, walletId?}`; base64 wire bytes for Solana, `0x` RLP for EVM),
    /// judged by what it does, off the main thread.
    #[napi(
        ts_args_type = "request: { transaction: string; walletId?: string }",
        ts_return_type = "Promise<Transaction>"
    )]
    pub fn sign_transaction(&self, request: String) -> AsyncTask<JsonTask> {
        let agent = self.handle();
        AsyncTask::new(JsonTask::new(move || {
            let request: SignTransaction = from_js("request", &request)?;
            to_js(&agent?.sign_transaction(request.wallet_id, &request.transaction)?)
        }))
    }

    /// One of this session's transactions.
    #[napi(ts_return_type = "Transaction")]
    pub fn transaction(&self, env: Env, tx_id: String) -> napi::Result<String> {
        sync(&env, || {
            to_js(&self.get()?.transaction(id("txId", tx_id)?)?)
        })
    }

    /// Renews the session token; this handle uses the new token from now on (the old
    /// one is invalid at once). Answers `{token, session}`.
    #[napi(ts_return_type = "SessionWithToken")]
    pub fn renew(&self, env: Env) -> napi::Result<String> {
        sync(&env, || {
            to_js(&SessionWithToken::from(&self.get()?.renew()?))
        })
    }

    /// Drops this handle (the vault's data key is wiped once no handle is left).
    #[napi]
    pub fn close(&mut self) {
        self.inner = None;
    }
}

/// Owner actions, each proven by a signature of the wallet owner's own key over the
/// exact text waiaas issued.
#[napi]
pub struct Owner {
    inner: waiaas::Owner,
}

impl Owner {
    pub(crate) fn wrap(inner: waiaas::Owner) -> Self {
        Self { inner }
    }
}

#[napi]
impl Owner {
    /// The texts to sign for a transaction awaiting the owner (`ApprovalRequest`).
    #[napi(ts_return_type = "ApprovalRequest")]
    pub fn approval_request(&self, env: Env, tx_id: String) -> napi::Result<String> {
        sync(&env, || {
            to_js(&self.inner.approval_request(id("txId", tx_id)?)?)
        })
    }

    /// Approves with the owner's signature (`0x`-hex, hex, base58 or base64) over
    /// `message`; signs (and broadcasts, with a chain client) off the main thread.
    #[napi(ts_return_type = "Promise<Transaction>")]
    pub fn approve(
        &self,
        tx_id: String,
        signature: String,
        message: String,
    ) -> AsyncTask<JsonTask> {
        let owner = self.inner.clone();
        AsyncTask::new(JsonTask::new(move || {
            to_js(&owner.approve(id("txId", tx_id)?, &signature, &message)?)
        }))
    }

    /// Cancels a QUEUED (DELAY) transaction with the owner's signature over its
    /// `cancelMessage`.
    #[napi(ts_return_type = "Transaction")]
    pub fn cancel_delayed(
        &self,
        env: Env,
        tx_id: String,
        signature: String,
        message: String,
    ) -> napi::Result<String> {
        sync(&env, || {
            to_js(
                &self
                    .inner
                    .cancel_delayed(id("txId", tx_id)?, &signature, &message)?,
            )
        })
    }

    /// The text the owner signs to trigger the kill switch, issued now (valid five
    /// minutes).
    #[napi]
    pub fn kill_switch_message(&self, env: Env, wallet_id: String) -> napi::Result<String> {
        sync(&env, || {
            Ok(self.inner.kill_switch_message(id("walletId", wallet_id)?))
        })
    }

    /// Triggers the kill switch with the owner's signature over a fresh
    /// `killSwitchMessage`.
    #[napi(ts_return_type = "KillSwitchReport")]
    pub fn kill_switch(
        &self,
        env: Env,
        signature: String,
        message: String,
    ) -> napi::Result<String> {
        sync(&env, || {
            to_js(&self.inner.kill_switch(&signature, &message)?)
        })
    }

    /// Rejects with the owner's signature over the reject text.
    #[napi(ts_return_type = "Transaction")]
    pub fn reject(
        &self,
        env: Env,
        tx_id: String,
        signature: String,
        message: String,
    ) -> napi::Result<String> {
        sync(&env, || {
            to_js(
                &self
                    .inner
                    .reject(id("txId", tx_id)?, &signature, &message)?,
            )
        })
    }
}
