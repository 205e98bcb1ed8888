//! Inputs only a server has: query strings, the operator's price table and password
//! change, and owner signatures carried in headers.

use base64::Engine as _;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use waiaas_core::policy::{Usd, native_asset_id};
use waiaas_core::{Chain, Network, SystemClock, TxStatus, ValidationError, WalletId};
use waiaas_core::{Clock as _, SecretString};

use super::lists::ListTransactions;
use super::schema::wallet_id_schema;
use super::wallets::OwnerSignature;
use crate::price::{STATIC_SOURCE, StaticPriceOracle, check_asset_id};

/// Query of routes that read one wallet of the session (`?walletId=`; may be omitted
/// when the session has one wallet), and of `GET /v1/sessions`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WalletQuery {
    /// The wallet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "wallet_id_schema")]
    pub wallet_id: Option<WalletId>,
}

/// Query of `GET /v1/transactions`: `?walletId=&status=QUEUED&limit=20`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TransactionQuery {
    /// Only this wallet's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "wallet_id_schema")]
    pub wallet_id: Option<WalletId>,
    /// Only this status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub status: Option<TxStatus>,
    /// At most this many, newest first (default 0 = all).
    #[serde(default)]
    pub limit: u32,
}

impl TransactionQuery {
    /// The `limit` of an agent's listing: an agent lists its session's transactions,
    /// so a `walletId` or `status` filter is refused rather than ignored.
    ///
    /// # Errors
    /// `VALIDATION_FAILED` naming the filter.
    pub fn agent_limit(&self) -> Result<u32, ValidationError> {
        let refuse = |field: &str| {
            ValidationError::field(
                field,
                "does not apply to an agent's listing (its session's transactions); use `limit` only",
            )
        };
        match (self.wallet_id, self.status) {
            (Some(_), _) => Err(refuse("walletId")),
            (None, Some(_)) => Err(refuse("status")),
            (None, None) => Ok(self.limit),
        }
    }

    /// The listing it asks for.
    #[must_use]
    pub fn to_list(&self) -> ListTransactions {
        ListTransactions {
            wallet_id: self.wallet_id,
            statuses: self.status.into_iter().collect(),
            limit: self.limit,
        }
    }
}

/// One price: `{"asset": "native:solana", "usd": "150"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PriceEntry {
    /// `native:<chain>` (every network whose coin is that chain's: `native:solana`,
    /// `native:ethereum`), `native:<network>`, `eip155:<chain id>/erc20:<address>` or
    /// `solana:<genesis>/token:<mint>`.
    pub asset: String,
    /// USD per whole unit, a decimal string.
    pub usd: String,
}

/// `PUT /v1/admin/prices` (and the server config's price table):
/// `{"prices": [{"asset": "native:solana", "usd": "150"}, …]}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SetPrices {
    /// The prices to set (others are left as they are).
    pub prices: Vec<PriceEntry>,
}

impl SetPrices {
    /// Every `(asset id, price)` this table sets, checked: `native:<chain>` expands to
    /// the chain's networks whose native coin is the chain mainnet's.
    ///
    /// # Errors
    /// `VALIDATION_FAILED` for an unknown asset id or a zero price; `INVALID_AMOUNT`
    /// for a price that is not a plain decimal. Nothing is set when one entry fails.
    pub fn quotes(&self) -> Result<Vec<(String, Usd)>, ValidationError> {
        let mut out = Vec::new();
        for entry in &self.prices {
            let usd = Usd::parse(&entry.usd)?;
            if usd == Usd::ZERO {
                return Err(ValidationError::field(
                    "usd",
                    format!(
                        "`{}`: a price of zero would make every amount worthless",
                        entry.asset
                    ),
                ));
            }
            let chain = entry
                .asset
                .strip_prefix("native:")
                .and_then(|c| c.parse::<Chain>().ok());
            match chain {
                Some(chain) => {
                    let coin = match chain {
                        Chain::Solana => Network::SolanaMainnet,
                        Chain::Ethereum => Network::EthereumMainnet,
                    }
                    .info()
                    .native_symbol;
                    out.extend(
                        Network::all()
                            .filter(|n| n.chain() == chain && n.info().native_symbol == coin)
                            .map(|n| (native_asset_id(n), usd)),
                    );
                }
                None => {
                    check_asset_id(&entry.asset)?;
                    out.push((entry.asset.clone(), usd));
                }
            }
        }
        Ok(out)
    }

    /// Sets every price of this table in `oracle`, observed now.
    ///
    /// # Errors
    /// As [`SetPrices::quotes`]; nothing is set on error.
    pub fn apply(&self, oracle: &StaticPriceOracle) -> Result<usize, ValidationError> {
        let quotes = self.quotes()?;
        let now = SystemClock.now();
        for (asset, usd) in &quotes {
            oracle.set_price(asset, *usd, STATIC_SOURCE, now);
        }
        Ok(quotes.len())
    }
}

/// `PUT /v1/admin/master-password`: the new password (the current one is the
/// request's `X-Master-Password`).
#[derive(Clone, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChangePassword {
    /// The new master password.
    pub new_password: String,
}

impl std::fmt::Debug for ChangePassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ChangePassword { new_password: <redacted> }")
    }
}

impl ChangePassword {
    /// The new password as a secret.
    #[must_use]
    pub fn secret(&self) -> SecretString {
        SecretString::from(self.new_password.clone())
    }
}

impl OwnerSignature {
    /// The signature carried in headers: `X-Owner-Message` is the base64 of the exact
    /// text from `approval-request`, `X-Owner-Signature` the signature (base64 Ed25519
    /// or `0x`-hex EIP-191).
    ///
    /// # Errors
    /// `VALIDATION_FAILED` when the message is not base64 of UTF-8 text.
    pub fn from_headers(message_base64: &str, signature: &str) -> Result<Self, ValidationError> {
        let bad = || {
            ValidationError::field(
                "X-Owner-Message",
                "is not base64 of the approval text; send the base64 of the exact text from `approval-request`",
            )
        };
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(message_base64.trim())
            .map_err(|_| bad())?;
        let message = String::from_utf8(bytes).map_err(|_| bad())?;
        Ok(Self {
            message,
            signature: signature.trim().to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "test code")]

    use super::*;

    #[test]
    fn native_solana_prices_every_solana_network() {
        let table: SetPrices = serde_json::from_str(
            r#"{"prices": [{"asset": "native:solana", "usd": "150"}, {"asset": "native:ethereum-sepolia", "usd": "3000"}]}"#,
        )
        .unwrap();
        let quotes = table.quotes().unwrap();
        let ids: Vec<&str> = quotes.iter().map(|(a, _)| a.as_str()).collect();
        assert!(ids.contains(&"native:solana-mainnet"), "{ids:?}");
        assert!(ids.contains(&"native:solana-devnet"), "{ids:?}");
        assert!(ids.contains(&"native:ethereum-sepolia"), "{ids:?}");
        let oracle = StaticPriceOracle::default();
        assert_eq!(table.apply(&oracle).unwrap(), quotes.len());
        let got =
            waiaas_core::policy::PriceOracle::quotes(&oracle, &["native:solana-devnet".to_owned()]);
        assert_eq!(got["native:solana-devnet"].usd.to_string(), "150");
    }

    #[test]
    fn a_bad_entry_sets_nothing() {
        let oracle = StaticPriceOracle::default();
        for body in [
            r#"{"prices": [{"asset": "native:solana", "usd": "150"}, {"asset": "native:sol", "usd": "1"}]}"#,
            r#"{"prices": [{"asset": "native:solana", "usd": "0"}]}"#,
            r#"{"prices": [{"asset": "native:solana", "usd": "1e3"}]}"#,
        ] {
            let table: SetPrices = serde_json::from_str(body).unwrap();
            assert!(table.apply(&oracle).is_err(), "{body}");
        }
        let got =
            waiaas_core::policy::PriceOracle::quotes(&oracle, &["native:solana-devnet".to_owned()]);
        assert!(got.is_empty());
    }

    #[test]
    fn owner_headers_carry_base64_text() {
        let text = "waiaas owner action: APPROVE\nwallet: x";
        let b64 = base64::engine::general_purpose::STANDARD.encode(text);
        let sig = OwnerSignature::from_headers(&b64, " 0xabcd ").unwrap();
        assert_eq!(sig.message, text);
        assert_eq!(sig.signature, "0xabcd");
        let err = OwnerSignature::from_headers("not base64!", "x").unwrap_err();
        assert!(err.to_string().contains("X-Owner-Message"), "{err}");
    }

    #[test]
    fn change_password_debug_hides_the_password() {
        let c: ChangePassword =
            serde_json::from_str(r#"{"newPassword": "s3cret-new-password"}"#).unwrap();
        assert!(!format!("{c:?}").contains("s3cret"));
    }

    #[test]
    fn an_agent_listing_refuses_filters_it_cannot_apply() {
        let q = TransactionQuery {
            limit: 4,
            ..TransactionQuery::default()
        };
        assert_eq!(q.agent_limit().unwrap(), 4);
        let q = TransactionQuery {
            status: Some(TxStatus::Queued),
            ..TransactionQuery::default()
        };
        assert!(
            q.agent_limit()
                .unwrap_err()
                .to_string()
                .contains("`status`")
        );
    }

    #[test]
    fn a_status_query_lists_one_status() {
        let q = TransactionQuery {
            status: Some(TxStatus::Queued),
            limit: 3,
            ..TransactionQuery::default()
        };
        let l = q.to_list();
        assert_eq!(l.statuses, vec![TxStatus::Queued]);
        assert_eq!(l.limit, 3);
    }
}
