//! A blocking JSON-RPC 2.0 client over HTTP (feature `rpc`; HTTPS with `rpc-tls`).
//!
//! Blocking on purpose (see `docs/adr/0002-chain-client.md`): a signature is one or two
//! round trips, the library has no runtime of its own, and async callers wrap the call
//! in their runtime's blocking pool. Every request has a total timeout; transient
//! failures (connect errors, timeouts, HTTP 429 and 5xx) are retried a bounded number
//! of times with exponential backoff; node errors map to typed [`ChainError`]s.

use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use waiaas_core::{Amount, EvmAddress, SolanaAddress};

use super::{
    EvmCall, EvmChainClient, EvmReceipt, FeeEstimate, SolanaChainClient, SolanaTxStatus,
    TokenBalance,
};
use crate::error::ChainError;

/// Largest response body read (a `getSignatureStatuses` or receipt is far smaller).
const MAX_RESPONSE_BYTES: u64 = 4 * 1024 * 1024;

/// Client settings.
#[derive(Debug, Clone)]
pub struct RpcOptions {
    /// Total time for one HTTP request (connect, send, receive).
    pub timeout: Duration,
    /// Retries after the first attempt, for transient failures only.
    pub max_retries: u32,
    /// Wait before the first retry; doubles each time.
    pub backoff: Duration,
}

impl Default for RpcOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(10),
            max_retries: 2,
            backoff: Duration::from_millis(200),
        }
    }
}

/// A JSON-RPC endpoint. Implements [`SolanaChainClient`] and [`EvmChainClient`]; use the
/// one matching the node.
pub struct JsonRpcClient {
    url: String,
    agent: ureq::Agent,
    options: RpcOptions,
    next_id: AtomicU64,
}

impl std::fmt::Debug for JsonRpcClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may embed an API key: print only its scheme and host.
        let shown = self.url.split('/').take(3).collect::<Vec<_>>().join("/");
        f.debug_struct("JsonRpcClient")
            .field("endpoint", &shown)
            .finish_non_exhaustive()
    }
}

fn rpc_error(message: impl Into<String>, transient: bool) -> ChainError {
    ChainError::Rpc {
        message: message.into(),
        transient,
    }
}

fn bad_reply(method: &str) -> ChainError {
    rpc_error(format!("unexpected reply to `{method}`"), false)
}

/// Maps a node's JSON-RPC error object to a typed error.
fn classify(method: &str, error: &Value) -> ChainError {
    let message = error
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or("unknown error")
        .to_owned();
    let lower = message.to_lowercase();
    let logs = error
        .get("data")
        .map(Value::to_string)
        .unwrap_or_default()
        .to_lowercase();
    if lower.contains("insufficient funds")
        || lower.contains("insufficient lamports")
        || lower.contains("insufficientfundsforfee")
        || logs.contains("insufficient lamports")
        || logs.contains("insufficientfundsforfee")
        || lower.contains("no record of a prior credit")
    {
        return ChainError::InsufficientBalance { message };
    }
    if lower.contains("execution reverted") || lower.contains("simulation failed") {
        return ChainError::TransactionReverted {
            tx_id: method.to_owned(),
            reason: message,
        };
    }
    // -32005 (limit exceeded) and -32603 (internal) may pass; the rest will not.
    let code = error.get("code").and_then(Value::as_i64).unwrap_or(0);
    rpc_error(
        format!("`{method}` failed: {message}"),
        matches!(code, -32005 | -32603),
    )
}

fn parse_hex_u64(method: &str, v: &Value) -> Result<u64, ChainError> {
    let s = v
        .as_str()
        .and_then(|s| s.strip_prefix("0x"))
        .ok_or_else(|| bad_reply(method))?;
    u64::from_str_radix(s, 16).map_err(|_| bad_reply(method))
}

fn parse_hex_u128(method: &str, v: &Value) -> Result<u128, ChainError> {
    let s = v
        .as_str()
        .and_then(|s| s.strip_prefix("0x"))
        .ok_or_else(|| bad_reply(method))?;
    u128::from_str_radix(s, 16).map_err(|_| bad_reply(method))
}

fn parse_hex_amount(method: &str, v: &Value) -> Result<Amount, ChainError> {
    let s = v
        .as_str()
        .and_then(|s| s.strip_prefix("0x"))
        .ok_or_else(|| bad_reply(method))?;
    if s.is_empty() {
        return Ok(Amount::ZERO);
    }
    ruint::aliases::U256::from_str_radix(s, 16)
        .map(Amount::from_u256)
        .map_err(|_| bad_reply(method))
}

fn hex_bytes(bytes: &[u8]) -> String {
    format!("0x{}", hex::encode(bytes))
}

impl JsonRpcClient {
    /// A client for `url` (`http://…`, or `https://…` with feature `rpc-tls`).
    ///
    /// # Errors
    /// `VALIDATION_FAILED` for a URL that is not `http://` or `https://`, and for an
    /// `https://` URL in a build without TLS (the message names the `rpc-tls` feature):
    /// refused here rather than failing at the first call.
    pub fn new(url: &str, options: RpcOptions) -> Result<Self, ChainError> {
        let https = url.starts_with("https://");
        if !(https || url.starts_with("http://")) {
            return Err(waiaas_core::ValidationError::field(
                "rpc_url",
                "must start with `http://` or `https://`",
            )
            .into());
        }
        if https && !cfg!(feature = "rpc-tls") {
            return Err(waiaas_core::ValidationError::field(
                "rpc_url",
                "`https://` needs TLS: enable the `rpc-tls` feature (of `waiaas` or `waiaas-chains`)",
            )
            .into());
        }
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(options.timeout))
            .http_status_as_error(false)
            .build();
        Ok(Self {
            url: url.to_owned(),
            agent: ureq::Agent::new_with_config(config),
            options,
            next_id: AtomicU64::new(1),
        })
    }

    fn attempt(&self, body: &str, method: &str) -> Result<Value, ChainError> {
        let mut response = self
            .agent
            .post(&self.url)
            .header("Content-Type", "application/json")
            .send(body)
            .map_err(|e| rpc_error(format!("`{method}`: {e}"), true))?;
        let status = response.status().as_u16();
        if status == 429 || status >= 500 {
            return Err(rpc_error(format!("`{method}`: http status {status}"), true));
        }
        if status != 200 {
            return Err(rpc_error(
                format!("`{method}`: http status {status}"),
                false,
            ));
        }
        let text = response
            .body_mut()
            .with_config()
            .limit(MAX_RESPONSE_BYTES)
            .read_to_string()
            .map_err(|e| rpc_error(format!("`{method}`: {e}"), true))?;
        let reply: Value = serde_json::from_str(&text).map_err(|_| bad_reply(method))?;
        if let Some(error) = reply.get("error") {
            return Err(classify(method, error));
        }
        reply
            .get("result")
            .cloned()
            .ok_or_else(|| bad_reply(method))
    }

    /// Calls `method` with `params`; retries transient failures.
    ///
    /// # Errors
    /// The last attempt's error, typed by [`ChainError`].
    pub fn call(&self, method: &str, params: Value) -> Result<Value, ChainError> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let body =
            json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }).to_string();
        let mut wait = self.options.backoff;
        let mut attempt = 0u32;
        loop {
            match self.attempt(&body, method) {
                Err(ChainError::Rpc {
                    transient: true, ..
                }) if attempt < self.options.max_retries => {
                    thread::sleep(wait);
                    wait = wait.saturating_mul(2);
                    attempt = attempt.saturating_add(1);
                }
                other => return other,
            }
        }
    }
}

impl SolanaChainClient for JsonRpcClient {
    fn latest_blockhash(&self) -> Result<[u8; 32], ChainError> {
        const M: &str = "getLatestBlockhash";
        let result = self.call(M, json!([{ "commitment": "confirmed" }]))?;
        let text = result
            .pointer("/value/blockhash")
            .and_then(Value::as_str)
            .ok_or_else(|| bad_reply(M))?;
        let address = SolanaAddress::parse(text).map_err(|_| bad_reply(M))?;
        Ok(*address.as_bytes())
    }

    fn balance(&self, address: &SolanaAddress) -> Result<u64, ChainError> {
        const M: &str = "getBalance";
        let result = self.call(
            M,
            json!([address.to_string(), { "commitment": "confirmed" }]),
        )?;
        result
            .get("value")
            .and_then(Value::as_u64)
            .ok_or_else(|| bad_reply(M))
    }

    fn token_account_balance(
        &self,
        token_account: &SolanaAddress,
    ) -> Result<TokenBalance, ChainError> {
        const M: &str = "getTokenAccountBalance";
        let result = self.call(
            M,
            json!([token_account.to_string(), { "commitment": "confirmed" }]),
        )?;
        let amount = result
            .pointer("/value/amount")
            .and_then(Value::as_str)
            .and_then(|s| Amount::parse_base_units(s).ok())
            .ok_or_else(|| bad_reply(M))?;
        let decimals = result
            .pointer("/value/decimals")
            .and_then(Value::as_u64)
            .and_then(|d| u8::try_from(d).ok())
            .ok_or_else(|| bad_reply(M))?;
        Ok(TokenBalance { amount, decimals })
    }

    fn mint_decimals(&self, mint: &SolanaAddress) -> Result<u8, ChainError> {
        const M: &str = "getAccountInfo";
        let result = self.call(
            M,
            json!([mint.to_string(), { "encoding": "base64", "commitment": "confirmed" }]),
        )?;
        let value = result.get("value").ok_or_else(|| bad_reply(M))?;
        if value.is_null() {
            return Err(rpc_error(format!("mint `{mint}` does not exist"), false));
        }
        let owner = value
            .get("owner")
            .and_then(Value::as_str)
            .ok_or_else(|| bad_reply(M))?;
        if owner != TOKEN_PROGRAM && owner != TOKEN_2022_PROGRAM {
            return Err(rpc_error(
                format!("`{mint}` is not owned by a token program"),
                false,
            ));
        }
        let data = value
            .pointer("/data/0")
            .and_then(Value::as_str)
            .and_then(|b| STANDARD.decode(b).ok())
            .ok_or_else(|| bad_reply(M))?;
        // Mint layout (spl-token `state.rs`): 82 bytes, decimals at byte 44,
        // is_initialized at 45. A Token-2022 mint with extensions is longer and says
        // so with account type 1 at byte 165 (a token account is 165 bytes or type 2),
        // so a token account is never read as a mint.
        let is_mint = data.len() == 82 || (data.len() > 165 && data.get(165) == Some(&1));
        match (data.get(44), data.get(45)) {
            (Some(&decimals), Some(1)) if is_mint => Ok(decimals),
            _ => Err(rpc_error(
                format!("`{mint}` is not an initialized mint"),
                false,
            )),
        }
    }

    fn send_transaction(&self, transaction_base64: &str) -> Result<String, ChainError> {
        const M: &str = "sendTransaction";
        let result = self.call(
            M,
            json!([transaction_base64, { "encoding": "base64", "preflightCommitment": "confirmed" }]),
        )?;
        result
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| bad_reply(M))
    }

    fn signature_status(&self, signature: &str) -> Result<Option<SolanaTxStatus>, ChainError> {
        const M: &str = "getSignatureStatuses";
        let result = self.call(
            M,
            json!([[signature], { "searchTransactionHistory": true }]),
        )?;
        let status = result.pointer("/value/0").ok_or_else(|| bad_reply(M))?;
        if status.is_null() {
            return Ok(None);
        }
        let slot = status
            .get("slot")
            .and_then(Value::as_u64)
            .ok_or_else(|| bad_reply(M))?;
        let confirmation = status
            .get("confirmationStatus")
            .and_then(Value::as_str)
            .unwrap_or("processed")
            .to_owned();
        let error = status
            .get("err")
            .filter(|e| !e.is_null())
            .map(Value::to_string);
        Ok(Some(SolanaTxStatus {
            slot,
            confirmation,
            error,
        }))
    }
}

impl EvmChainClient for JsonRpcClient {
    fn chain_id(&self) -> Result<u64, ChainError> {
        parse_hex_u64("eth_chainId", &self.call("eth_chainId", json!([]))?)
    }

    fn transaction_count(&self, address: &EvmAddress) -> Result<u64, ChainError> {
        const M: &str = "eth_getTransactionCount";
        parse_hex_u64(M, &self.call(M, json!([address.to_string(), "pending"]))?)
    }

    fn fees(&self) -> Result<FeeEstimate, ChainError> {
        const H: &str = "eth_feeHistory";
        let history = self.call(H, json!(["0x1", "latest", []]))?;
        // The last entry is the base fee of the next block.
        let base = history
            .get("baseFeePerGas")
            .and_then(Value::as_array)
            .and_then(|v| v.last())
            .ok_or_else(|| bad_reply(H))?;
        let base = parse_hex_u128(H, base)?;
        const P: &str = "eth_maxPriorityFeePerGas";
        let tip = parse_hex_u128(P, &self.call(P, json!([]))?)?;
        let max_fee = base
            .checked_mul(2)
            .and_then(|b| b.checked_add(tip))
            .ok_or_else(|| bad_reply(H))?;
        Ok(FeeEstimate {
            max_fee_per_gas: max_fee,
            max_priority_fee_per_gas: tip,
        })
    }

    fn estimate_gas(&self, call: &EvmCall) -> Result<u64, ChainError> {
        const M: &str = "eth_estimateGas";
        let params = json!([{
            "from": call.from.to_string(),
            "to": call.to.to_string(),
            "value": format!("0x{:x}", call.value.as_u256()),
            "data": hex_bytes(&call.data),
        }]);
        parse_hex_u64(M, &self.call(M, params)?)
    }

    fn balance(&self, address: &EvmAddress) -> Result<Amount, ChainError> {
        const M: &str = "eth_getBalance";
        parse_hex_amount(M, &self.call(M, json!([address.to_string(), "latest"]))?)
    }

    fn erc20_balance(&self, token: &EvmAddress, owner: &EvmAddress) -> Result<Amount, ChainError> {
        const M: &str = "eth_call";
        let data = erc20_balance_of(owner);
        let params = json!([{ "to": token.to_string(), "data": hex_bytes(&data) }, "latest"]);
        parse_hex_amount(M, &self.call(M, params)?)
    }

    fn erc20_decimals(&self, token: &EvmAddress) -> Result<u8, ChainError> {
        const M: &str = "eth_call";
        // `decimals()`
        let params = json!([{ "to": token.to_string(), "data": "0x313ce567" }, "latest"]);
        let result = self.call(M, params)?;
        // Exactly one ABI word: an account without code answers `0x`, which must never
        // read as 0 decimals.
        let word = result
            .as_str()
            .and_then(|s| s.strip_prefix("0x"))
            .filter(|h| h.len() == 64)
            .and_then(|h| hex::decode(h).ok())
            .ok_or_else(|| {
                rpc_error(
                    format!("`{token}` answers no `decimals()`; is it an ERC-20 contract?"),
                    false,
                )
            })?;
        match word.split_last() {
            Some((&d, high)) if high.iter().all(|b| *b == 0) => Ok(d),
            _ => Err(rpc_error(
                format!("`decimals()` of `{token}` is out of range"),
                false,
            )),
        }
    }

    fn send_raw_transaction(&self, raw: &[u8]) -> Result<[u8; 32], ChainError> {
        const M: &str = "eth_sendRawTransaction";
        let result = self.call(M, json!([hex_bytes(raw)]))?;
        let text = result
            .as_str()
            .and_then(|s| s.strip_prefix("0x"))
            .ok_or_else(|| bad_reply(M))?;
        let mut hash = [0u8; 32];
        hex::decode_to_slice(text, &mut hash).map_err(|_| bad_reply(M))?;
        Ok(hash)
    }

    fn transaction_receipt(&self, hash: &[u8; 32]) -> Result<Option<EvmReceipt>, ChainError> {
        const M: &str = "eth_getTransactionReceipt";
        let result = self.call(M, json!([hex_bytes(hash)]))?;
        if result.is_null() {
            return Ok(None);
        }
        let field = |name: &str| {
            result
                .get(name)
                .ok_or_else(|| bad_reply(M))
                .and_then(|v| parse_hex_u64(M, v))
        };
        Ok(Some(EvmReceipt {
            success: field("status")? == 1,
            block_number: field("blockNumber")?,
            gas_used: field("gasUsed")?,
            effective_gas_price: result
                .get("effectiveGasPrice")
                .map(|v| parse_hex_u128(M, v))
                .transpose()?,
        }))
    }
}

/// The SPL token programs (ids as data: this module stays chain-neutral).
const TOKEN_PROGRAM: &str = "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA";
const TOKEN_2022_PROGRAM: &str = "TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb";

/// `balanceOf(owner)` calldata without the alloy crates (keeps `rpc` chain-neutral).
fn erc20_balance_of(owner: &EvmAddress) -> Vec<u8> {
    let mut data = vec![0x70, 0xa0, 0x82, 0x31];
    data.extend_from_slice(&[0u8; 12]);
    data.extend_from_slice(owner.as_bytes());
    data
}
