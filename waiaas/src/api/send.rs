//! What an agent sends or signs, as JSON.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use waiaas_core::policy::ActionDescriptor;
use waiaas_core::{ValidationError, WalletId};

use super::schema::wallet_id_schema;
use crate::request::{ChainParams, Operation, Quantity, SendRequest, TokenSpec};

/// The kind of a [`SendTransaction`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SendKind {
    /// Native coin transfer: `to` and an amount.
    Transfer,
    /// Fungible token transfer: `to`, `token` and an amount.
    TokenTransfer,
    /// Token allowance: `spender`, `token` and an amount.
    Approve,
    /// EVM contract call: `contract`, optional `data` and value.
    ContractCall,
}

/// `POST /v1/transactions/send` and `/simulate`: one flat object whose `type` says
/// which fields apply (a field that does not apply is refused, never ignored).
///
/// ```json
/// {"type": "TRANSFER", "to": "9xQe…", "humanAmount": "0.1"}
/// {"type": "TOKEN_TRANSFER", "to": "0x…", "token": {"address": "0x…"}, "amount": "2500000"}
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SendTransaction {
    /// What to do.
    #[serde(rename = "type")]
    pub kind: SendKind,
    /// The wallet; may be omitted when the session has exactly one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "wallet_id_schema")]
    pub wallet_id: Option<WalletId>,
    /// Recipient (TRANSFER, TOKEN_TRANSFER; on Solana the owner wallet, its token
    /// account is derived).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// Amount as an integer of base units (lamports, wei, token base units).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<String>,
    /// Amount as a decimal of the whole unit (`"0.1"` SOL), converted with the asset's
    /// trusted decimals (never the request's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub human_amount: Option<String>,
    /// The token (TOKEN_TRANSFER, APPROVE).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<TokenSpec>,
    /// Solana: `token-2022` for Token-2022 mints (default `token`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_program: Option<String>,
    /// Who may spend (APPROVE).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spender: Option<String>,
    /// The contract (CONTRACT_CALL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract: Option<String>,
    /// `0x` calldata (CONTRACT_CALL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
    /// Native value sent with a CONTRACT_CALL, in wei.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// Native value sent with a CONTRACT_CALL, as a decimal of the coin.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub human_value: Option<String>,
    /// A repeat with the same key (per wallet) returns the first result and never
    /// signs twice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
    /// Chain parameters (blockhash, nonce, fees) when no chain client supplies them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain: Option<ChainParams>,
    /// A description of a DeFi action; written by the agent it can only make the
    /// decision stricter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<ActionDescriptor>,
}

fn required<'a>(
    field: &str,
    value: Option<&'a String>,
    kind: &str,
) -> Result<&'a str, ValidationError> {
    value
        .map(String::as_str)
        .ok_or_else(|| ValidationError::field(field, format!("is required for {kind}")))
}

fn quantity(
    base_field: &str,
    base: Option<&String>,
    human_field: &str,
    human: Option<&String>,
) -> Result<Option<Quantity>, ValidationError> {
    match (base, human) {
        (Some(_), Some(_)) => Err(ValidationError::field(
            base_field,
            format!("give `{base_field}` (base units) or `{human_field}` (decimal), not both"),
        )),
        (Some(b), None) if !b.bytes().all(|c| c.is_ascii_digit()) || b.is_empty() => {
            Err(ValidationError::field(
                base_field,
                format!(
                    "`{b}` is not an integer of base units; give a decimal amount as `{human_field}`"
                ),
            ))
        }
        (Some(b), None) => Ok(Some(Quantity::base_units(b))),
        (None, Some(h)) => Ok(Some(Quantity::human(h))),
        (None, None) => Ok(None),
    }
}

impl SendTransaction {
    /// The request the agent handle takes.
    ///
    /// # Errors
    /// `VALIDATION_FAILED` naming the field: a required field missing, a field that
    /// does not apply to `type`, both or neither of `amount` / `humanAmount`, a
    /// decimal in `amount`.
    pub fn to_request(&self) -> Result<SendRequest, ValidationError> {
        let kind = match self.kind {
            SendKind::Transfer => "TRANSFER",
            SendKind::TokenTransfer => "TOKEN_TRANSFER",
            SendKind::Approve => "APPROVE",
            SendKind::ContractCall => "CONTRACT_CALL",
        };
        let given = [
            ("to", self.to.is_some()),
            ("amount", self.amount.is_some()),
            ("humanAmount", self.human_amount.is_some()),
            ("token", self.token.is_some()),
            ("tokenProgram", self.token_program.is_some()),
            ("spender", self.spender.is_some()),
            ("contract", self.contract.is_some()),
            ("data", self.data.is_some()),
            ("value", self.value.is_some()),
            ("humanValue", self.human_value.is_some()),
        ];
        let applies: &[&str] = match self.kind {
            SendKind::Transfer => &["to", "amount", "humanAmount"],
            SendKind::TokenTransfer => &["to", "amount", "humanAmount", "token", "tokenProgram"],
            SendKind::Approve => &["spender", "amount", "humanAmount", "token", "tokenProgram"],
            SendKind::ContractCall => &["contract", "data", "value", "humanValue"],
        };
        if let Some((field, _)) = given.iter().find(|(f, set)| *set && !applies.contains(f)) {
            return Err(ValidationError::field(
                *field,
                format!("does not apply to {kind}; it takes {}", applies.join(", ")),
            ));
        }
        let amount = || {
            quantity("amount", self.amount.as_ref(), "humanAmount", self.human_amount.as_ref())?
                .ok_or_else(|| {
                    ValidationError::field(
                        "amount",
                        format!("is required for {kind}: give `amount` (base units) or `humanAmount` (decimal)"),
                    )
                })
        };
        let token = || {
            self.token
                .clone()
                .ok_or_else(|| ValidationError::field("token", format!("is required for {kind}")))
        };
        let operation = match self.kind {
            SendKind::Transfer => Operation::Transfer {
                to: required("to", self.to.as_ref(), kind)?.to_owned(),
                amount: amount()?,
            },
            SendKind::TokenTransfer => Operation::TokenTransfer {
                to: required("to", self.to.as_ref(), kind)?.to_owned(),
                token: token()?,
                amount: amount()?,
                token_program: self.token_program.clone(),
            },
            SendKind::Approve => Operation::Approve {
                spender: required("spender", self.spender.as_ref(), kind)?.to_owned(),
                token: token()?,
                amount: amount()?,
                token_program: self.token_program.clone(),
            },
            SendKind::ContractCall => Operation::ContractCall {
                contract: required("contract", self.contract.as_ref(), kind)?.to_owned(),
                data: self.data.clone(),
                value: quantity(
                    "value",
                    self.value.as_ref(),
                    "humanValue",
                    self.human_value.as_ref(),
                )?,
            },
        };
        Ok(SendRequest {
            wallet_id: self.wallet_id,
            operation,
            idempotency_key: self.idempotency_key.clone(),
            chain: self.chain.clone().unwrap_or_default(),
            action: self.action.clone(),
        })
    }
}

/// `POST /v1/transactions/sign-message`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SignMessage {
    /// The wallet; may be omitted when the session has exactly one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "wallet_id_schema")]
    pub wallet_id: Option<WalletId>,
    /// The message: UTF-8 text, or `0x`-hex bytes when `encoding` is `hex`.
    pub message: String,
    /// `utf8` (default) or `hex`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding: Option<MessageEncoding>,
}

/// How [`SignMessage::message`] is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum MessageEncoding {
    /// The text itself.
    Utf8,
    /// `0x` + hex of the bytes.
    Hex,
}

impl SignMessage {
    /// The bytes to sign.
    ///
    /// # Errors
    /// `VALIDATION_FAILED` for hex that does not decode.
    pub fn bytes(&self) -> Result<Vec<u8>, ValidationError> {
        match self.encoding.unwrap_or(MessageEncoding::Utf8) {
            MessageEncoding::Utf8 => Ok(self.message.as_bytes().to_vec()),
            MessageEncoding::Hex => {
                let digits = self.message.strip_prefix("0x").unwrap_or(&self.message);
                hex::decode(digits).map_err(|_| {
                    ValidationError::field(
                        "message",
                        "is not hex; give `0x` + hex digits or use `encoding: utf8`",
                    )
                })
            }
        }
    }
}

/// `POST /v1/transactions/sign-typed-data`: EIP-712 typed data (`eth_signTypedData_v4`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SignTypedData {
    /// The wallet; may be omitted when the session has exactly one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "wallet_id_schema")]
    pub wallet_id: Option<WalletId>,
    /// The typed data: a JSON object (`types`, `primaryType`, `domain`, `message`) or
    /// its JSON text.
    pub typed_data: serde_json::Value,
}

impl SignTypedData {
    /// The typed data as JSON text.
    #[must_use]
    pub fn json(&self) -> String {
        match &self.typed_data {
            serde_json::Value::String(text) => text.clone(),
            other => other.to_string(),
        }
    }
}

/// `POST /v1/transactions/sign`: an unsigned transaction built elsewhere (base64 wire
/// bytes for Solana, `0x` RLP type-2 for EVM), judged by what it does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SignTransaction {
    /// The wallet; may be omitted when the session has exactly one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "wallet_id_schema")]
    pub wallet_id: Option<WalletId>,
    /// The unsigned transaction.
    pub transaction: String,
}
