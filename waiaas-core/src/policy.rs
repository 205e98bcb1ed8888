//! Engine-independent policy types: the canonical request, policy records, price
//! quotes, the spend-ledger snapshot, the [`Decision`] and the [`PolicyEngine`] trait.
//!
//! The decision is a value, never a `Result<bool>`: an engine that meets an error while
//! deciding returns a denying [`Decision`] that names the error. Amounts are exact
//! base units ([`Amount`]); USD values are exact decimals ([`Usd`]); no floats.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::amount::Amount;
use crate::chain::{Chain, Network};
use crate::error::ValidationError;
use crate::ids::{PolicyId, TxId, WalletId};
use crate::session::Permission;
use crate::tier::Tier;

/// A non-negative, exact USD value (28 significant digits, no floats).
///
/// On the wire it is a decimal string (`"12.50"`); JSON numbers are accepted on input
/// and converted from their shortest decimal spelling, never through binary floating
/// point arithmetic.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Usd(Decimal);

impl Usd {
    /// The USD value of `amount` base units at `decimals` at `usd` per whole unit.
    /// `None` when the amount cannot be represented with 28 significant digits; an
    /// overflowing product is [`Usd::MAX`] (more than any limit).
    #[must_use]
    pub fn value_of(amount: Amount, decimals: u8, usd: Usd) -> Option<Usd> {
        let mantissa = i128::try_from(amount.as_u256()).ok()?;
        let units = Decimal::try_from_i128_with_scale(mantissa, u32::from(decimals)).ok()?;
        Some(
            units
                .checked_mul(usd.0)
                .and_then(Usd::from_decimal)
                .unwrap_or(Usd::MAX),
        )
    }

    /// Zero dollars.
    pub const ZERO: Usd = Usd(Decimal::ZERO);
    /// The largest representable value; used as "more than any limit".
    pub const MAX: Usd = Usd(Decimal::MAX);

    /// Parses `digits` or `digits.digits` (no sign, exponent, spaces or separators).
    ///
    /// # Errors
    /// `INVALID_AMOUNT` when `s` is not such a decimal or has more than 28 significant
    /// digits.
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let bad = |reason: &str| ValidationError::InvalidAmount {
            input: s.to_owned(),
            reason: reason.to_owned(),
        };
        let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
        let digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || (s.contains('.') && frac.is_empty()) {
            return Err(bad("write a plain decimal such as `12.50`"));
        }
        if !digits(whole) || !digits(frac) {
            return Err(bad(
                "use plain decimal digits with at most one `.`; no sign, spaces, exponent or separators",
            ));
        }
        Decimal::from_str_exact(s)
            .map(|d| Self(d.normalize()))
            .map_err(|_| bad("too many significant digits (at most 28)"))
    }

    /// From a decimal, when it is not negative.
    #[must_use]
    pub fn from_decimal(d: Decimal) -> Option<Self> {
        (!d.is_sign_negative() || d.is_zero()).then(|| Self(d.normalize().abs()))
    }

    /// From whole dollars.
    #[must_use]
    pub fn from_u64(v: u64) -> Self {
        Self(Decimal::from(v))
    }

    /// The decimal value.
    #[must_use]
    pub const fn as_decimal(&self) -> Decimal {
        self.0
    }

    /// `self + rhs`, saturating at [`Usd::MAX`] (a saturated total exceeds every limit).
    #[must_use]
    pub fn saturating_add(self, rhs: Usd) -> Usd {
        self.0
            .checked_add(rhs.0)
            .map_or(Usd::MAX, |d| Usd(d.normalize()))
    }

    /// `self - rhs`, floored at zero.
    #[must_use]
    pub fn saturating_sub(self, rhs: Usd) -> Usd {
        match self.0.checked_sub(rhs.0) {
            Some(d) if !d.is_sign_negative() || d.is_zero() => Usd(d.normalize().abs()),
            _ => Usd::ZERO,
        }
    }
}

impl fmt::Display for Usd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.normalize().fmt(f)
    }
}

impl fmt::Debug for Usd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Usd({self})")
    }
}

impl FromStr for Usd {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for Usd {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Usd {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Usd;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a non-negative decimal USD value such as \"12.50\"")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Usd, E> {
                Usd::parse(v).map_err(E::custom)
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Usd, E> {
                Ok(Usd::from_u64(v))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Usd, E> {
                u64::try_from(v)
                    .map(Usd::from_u64)
                    .map_err(|_| E::custom(format!("`{v}` is negative")))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Usd, E> {
                // The shortest decimal spelling of the JSON number, parsed exactly.
                Usd::parse(&v.to_string()).map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

crate::string_enum! {
    /// The 21 policy types. The wire name is the SCREAMING_SNAKE_CASE spelling.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
    pub enum PolicyType {
        /// Per-transaction tier ladders (base units, token units, USD) and daily/monthly USD caps.
        SpendingLimit => "SPENDING_LIMIT",
        /// Recipient allow-list.
        Whitelist => "WHITELIST",
        /// Allowed hours and weekdays in an IANA time zone.
        TimeRestriction => "TIME_RESTRICTION",
        /// At most `max_requests` admitted requests per rolling `window_seconds`.
        RateLimit => "RATE_LIMIT",
        /// Tokens the wallet may move.
        AllowedTokens => "ALLOWED_TOKENS",
        /// Contracts the wallet may call.
        ContractWhitelist => "CONTRACT_WHITELIST",
        /// Function selectors allowed per contract.
        MethodWhitelist => "METHOD_WHITELIST",
        /// Spenders that may receive an approval.
        ApprovedSpenders => "APPROVED_SPENDERS",
        /// Caps on approval amounts; blocks unlimited approvals.
        ApproveAmountLimit => "APPROVE_AMOUNT_LIMIT",
        /// The tier given to approvals.
        ApproveTierOverride => "APPROVE_TIER_OVERRIDE",
        /// Networks the wallet may use.
        AllowedNetworks => "ALLOWED_NETWORKS",
        /// Domains x402 payments may go to.
        X402AllowedDomains => "X402_ALLOWED_DOMAINS",
        /// Domains ERC-8128 signed HTTP requests may go to.
        Erc8128AllowedDomains => "ERC8128_ALLOWED_DOMAINS",
        /// Maximum projected loan-to-value for lending actions.
        LendingLtvLimit => "LENDING_LTV_LIMIT",
        /// Assets lending actions may use.
        LendingAssetWhitelist => "LENDING_ASSET_WHITELIST",
        /// Maximum leverage of perpetual positions.
        PerpMaxLeverage => "PERP_MAX_LEVERAGE",
        /// Maximum notional USD of a perpetual position.
        PerpMaxPositionUsd => "PERP_MAX_POSITION_USD",
        /// Perpetual markets allowed.
        PerpAllowedMarkets => "PERP_ALLOWED_MARKETS",
        /// Venues (protocols, exchanges) allowed.
        VenueWhitelist => "VENUE_WHITELIST",
        /// USD caps per action category.
        ActionCategoryLimit => "ACTION_CATEGORY_LIMIT",
        /// Tiers by counterparty reputation score.
        ReputationThreshold => "REPUTATION_THRESHOLD",
    }
    field = "type", what = "a policy type";
}

/// A stored policy. `rules` is kept as JSON so that a rule which no longer parses
/// (written by a newer or buggy version) can still be loaded, shown and deleted; the
/// engine denies while it applies (`POLICY_RULES_CORRUPT`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyRecord {
    /// Id.
    pub id: PolicyId,
    /// The wallet it applies to; `None` for every wallet (global).
    pub wallet_id: Option<WalletId>,
    /// The network it applies to; `None` for every network.
    pub network: Option<Network>,
    /// Type.
    #[serde(rename = "type")]
    pub policy_type: PolicyType,
    /// Rules JSON (snake_case, as validated and normalized when stored).
    pub rules: serde_json::Value,
    /// Within one resolution level, the highest priority wins.
    pub priority: i64,
    /// A disabled policy is treated as absent.
    pub enabled: bool,
    /// Incremented by every update (engines cache parsed rules by id and revision).
    pub revision: u64,
    /// Creation time (Unix seconds).
    pub created_at: i64,
    /// Last change (Unix seconds).
    pub updated_at: i64,
}

/// Which policies to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyFilter {
    /// Every policy.
    All,
    /// Global policies only (no wallet).
    Global,
    /// Policies bound to this wallet (not the global ones).
    Wallet(WalletId),
    /// Everything that can apply to this wallet: its own and the global ones.
    ApplicableTo(WalletId),
}

/// A token as a request names it.
///
/// Decimals convert `token_limits` and USD values, so the engine never trusts the
/// request's: it takes them from the operator's ALLOWED_TOKENS entry, else from
/// `chain_decimals` (read from the chain by the host, never from the agent), else — on
/// Solana only — from the `TransferChecked` / `ApproveChecked` instruction that is signed
/// (the token program refuses other decimals on chain). Stated decimals that differ from
/// a trusted source deny the request (`TOKEN_DECIMALS_MISMATCH`); a token with no trusted
/// decimals is unpriced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TokenRef {
    /// Contract address (EVM) or mint (Solana), as given; checked by the engine.
    pub address: String,
    /// Decimals the request (or the signed instruction) states: a claim to check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decimals: Option<u8>,
    /// Decimals read from the chain (ERC-20 `decimals()`, the SPL mint account) by the
    /// host, never from the agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain_decimals: Option<u8>,
    /// Display symbol (informational only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symbol: Option<String>,
}

impl TokenRef {
    /// A token named by its address alone.
    #[must_use]
    pub fn new(address: impl Into<String>) -> Self {
        Self {
            address: address.into(),
            decimals: None,
            chain_decimals: None,
            symbol: None,
        }
    }
}

/// Typed data whose primary type waiaas does not decode: signed only when the operator
/// allow-lists it (the `typed_data` list of the verifying contract's CONTRACT_WHITELIST
/// entry).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TypedDataKind {
    /// The domain's `verifyingContract` (`None` when the domain has none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verifying_contract: Option<String>,
    /// `primaryType`.
    pub primary_type: String,
}

/// An ERC-8128 signed HTTP request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Erc8128Request {
    /// Host the signed request goes to.
    pub domain: String,
}

/// What a request does. Addresses are raw strings: the engine parses them and denies
/// malformed ones, so a bad address is a reason in the decision, not a parse failure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RequestBody {
    /// Native coin transfer.
    #[serde(rename_all = "camelCase")]
    Transfer {
        /// Recipient.
        to: String,
        /// Base units (lamports, wei).
        amount: Amount,
    },
    /// Fungible token transfer.
    #[serde(rename_all = "camelCase")]
    TokenTransfer {
        /// Recipient.
        to: String,
        /// Base units of the token.
        amount: Amount,
        /// The token.
        token: TokenRef,
    },
    /// Arbitrary contract call (EVM) or program instruction (Solana).
    #[serde(rename_all = "camelCase")]
    ContractCall {
        /// Contract or program address.
        contract: String,
        /// `0x` + hex of the selector (EVM: 4 bytes; Solana: the instruction
        /// discriminator, 1 to 8 bytes); `None` for a call without data.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        selector: Option<String>,
        /// Native value sent along (base units).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        value: Option<Amount>,
        /// The call executes other calls waiaas does not attribute (a multicall to other
        /// contracts, a smart-account `execute`): allowed only when the contract's
        /// CONTRACT_WHITELIST entry lists the selector in `opaque_selectors`.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        opaque: bool,
    },
    /// Token approval (ERC-20 `approve`, SPL `approve`, permits, `setApprovalForAll`).
    #[serde(rename_all = "camelCase")]
    Approve {
        /// Who may spend.
        spender: String,
        /// Allowance in base units.
        amount: Amount,
        /// The token.
        token: TokenRef,
        /// Set by the decoder when the grant is unlimited for the field that carries it
        /// (Permit2's `uint160`, `setApprovalForAll`); the engine also checks the amount.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        unlimited: bool,
        /// `amount` raises an allowance whose current value the request does not state
        /// (`increaseAllowance`): the resulting total is unknown, so the owner decides.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        increase: bool,
    },
    /// 2 to 20 instructions, signed as one transaction: all or nothing.
    #[serde(rename_all = "camelCase")]
    Batch {
        /// The instructions (no nested batches).
        instructions: Vec<RequestBody>,
    },
    /// NFT transfer.
    #[serde(rename_all = "camelCase")]
    NftTransfer {
        /// Recipient.
        to: String,
        /// Collection contract (EVM) or mint (Solana).
        contract: String,
        /// Token id within the collection.
        token_id: String,
        /// How many (ERC-1155; 1 for ERC-721).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        amount: Option<Amount>,
    },
    /// Message signing (EIP-191 / Solana off-chain message).
    #[serde(rename_all = "camelCase")]
    SignMessage {
        /// Set when the message is an ERC-8128 signed HTTP request.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        erc8128: Option<Erc8128Request>,
    },
    /// EIP-712 typed-data signing.
    #[serde(rename_all = "camelCase")]
    SignTypedData {
        /// What the signature grants or moves, decoded from the struct its hash covers
        /// (permits as APPROVE, EIP-3009 authorizations as TOKEN_TRANSFER): every leg is
        /// judged, all or nothing, like a batch.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        legs: Vec<RequestBody>,
        /// Set when the primary type is not one waiaas decodes: denied unless the
        /// operator allow-listed it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        unrecognised: Option<TypedDataKind>,
    },
    /// An x402 HTTP payment.
    #[serde(rename_all = "camelCase")]
    X402Payment {
        /// Host of the resource being paid for.
        domain: String,
        /// Who receives the payment.
        pay_to: String,
        /// Base units of the payment asset.
        amount: Amount,
        /// The token paid with; `None` for the native coin.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        token: Option<TokenRef>,
    },
    /// An instruction waiaas never signs for an agent (SPL `SetAuthority`, System
    /// `Assign`, closing an account to a foreign destination, …): always denied.
    #[serde(rename_all = "camelCase")]
    Refused {
        /// Program or contract.
        contract: String,
        /// What it would do.
        reason: String,
    },
    /// Contract deployment.
    #[serde(rename_all = "camelCase")]
    ContractDeploy {
        /// Native value sent to the constructor (base units).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        value: Option<Amount>,
    },
}

impl RequestBody {
    /// The kind name (`TRANSFER`, …).
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Transfer { .. } => "TRANSFER",
            Self::TokenTransfer { .. } => "TOKEN_TRANSFER",
            Self::ContractCall { .. } => "CONTRACT_CALL",
            Self::Approve { .. } => "APPROVE",
            Self::Batch { .. } => "BATCH",
            Self::NftTransfer { .. } => "NFT_TRANSFER",
            Self::SignMessage { .. } => "SIGN_MESSAGE",
            Self::SignTypedData { .. } => "SIGN_TYPED_DATA",
            Self::X402Payment { .. } => "X402_PAYMENT",
            Self::ContractDeploy { .. } => "CONTRACT_DEPLOY",
            Self::Refused { .. } => "REFUSED",
        }
    }
}

/// What a DeFi-facing request does, described by the caller (the engine does not fetch
/// positions). Every field is optional; a policy that needs a missing field fails closed.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ActionDescriptor {
    /// Integration provider (e.g. `aave`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// Action name (e.g. `supply`, `open_position`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Category (`lending`, `perp`, `swap`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Notional value in USD.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<String>"))]
    pub notional_usd: Option<Usd>,
    /// Leverage (e.g. `5` for 5x).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<String>"))]
    pub leverage: Option<Usd>,
    /// Perp market (e.g. `ETH-PERP`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub market: Option<String>,
    /// Venue (protocol or exchange).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub venue: Option<String>,
    /// Asset the lending action supplies or borrows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asset: Option<String>,
    /// Loan-to-value after the action, as a fraction (`0.65`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<String>"))]
    pub projected_ltv: Option<Usd>,
    /// Counterparty reputation score 0..=100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counterparty_score: Option<u8>,
}

/// The canonical request the engine judges.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyRequest {
    /// Id of the request; its reservation is released or committed by this id.
    pub request_id: TxId,
    /// Wallet.
    pub wallet_id: WalletId,
    /// Network.
    pub network: Network,
    /// What it does.
    #[serde(flatten)]
    pub body: RequestBody,
    /// Session permissions of the caller (message and typed-data signing need theirs).
    #[serde(default)]
    pub permissions: Vec<Permission>,
    /// DeFi action descriptor from a trusted source (the host's action provider).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<ActionDescriptor>,
    /// The descriptor the agent wrote itself: it may raise the tier or deny, never
    /// lower a tier (the engine judges the trusted descriptor — or none — and this one,
    /// and keeps the stricter outcome of each rule).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claimed_action: Option<ActionDescriptor>,
    /// The most the network fee can cost, decoded from what is signed: added to the
    /// native amount that is laddered, capped and reserved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fee: Option<FeeBound>,
}

/// The network fee of a request: its maximum and the ceiling it must stay under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FeeBound {
    /// EVM `gas_limit × max_fee_per_gas`; Solana base fee per signature plus compute
    /// unit limit × price (native base units).
    pub max: Amount,
    /// The per-network ceiling (operator setting, or a multiple of the chain client's
    /// estimate); above it the request is denied `FEE_TOO_HIGH`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ceiling: Option<Amount>,
}

/// A USD price for one whole unit of an asset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PriceQuote {
    /// USD per whole unit (1 ETH, 1 USDC).
    pub usd: Usd,
    /// Where it came from (oracle name).
    pub source: String,
    /// When it was observed (Unix seconds).
    pub observed_at: i64,
}

/// Prices by asset id ([`native_asset_id`], [`token_asset_id`]) and the maximum age
/// a quote may have to count as fresh.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PriceBook {
    /// Quotes by asset id.
    #[serde(default)]
    pub quotes: BTreeMap<String, PriceQuote>,
    /// A quote older than this (seconds) is stale and counts as unknown.
    #[serde(default = "default_max_age")]
    pub max_age_seconds: u64,
}

fn default_max_age() -> u64 {
    300
}

impl Default for PriceBook {
    fn default() -> Self {
        Self {
            quotes: BTreeMap::new(),
            max_age_seconds: default_max_age(),
        }
    }
}

impl PriceBook {
    /// A fresh, usable quote for `asset_id` at `now`, if any. A quote from the future
    /// counts as fresh only up to the same bound; a zero price (a broken feed) is never
    /// usable, because it would make every amount worth nothing.
    #[must_use]
    pub fn fresh(&self, asset_id: &str, now: i64) -> Option<&PriceQuote> {
        let q = self.quotes.get(asset_id).filter(|q| q.usd != Usd::ZERO)?;
        let age = now.checked_sub(q.observed_at)?;
        let age = age.unsigned_abs();
        (age <= self.max_age_seconds).then_some(q)
    }
}

/// CAIP-2 reference of a Solana cluster (its genesis hash prefix).
fn solana_caip2(network: Network) -> &'static str {
    match network {
        Network::SolanaDevnet => "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1",
        Network::SolanaTestnet => "solana:4uhcVJyU9pJkvQyS88uRDiswHXSCkY3z",
        _ => "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp",
    }
}

/// The asset id of `network`'s native coin: `native:<network>`.
#[must_use]
pub fn native_asset_id(network: Network) -> String {
    format!("native:{}", network.as_str())
}

/// The CAIP-19 asset id of a token: `eip155:<chain id>/erc20:<lowercase address>` or
/// `solana:<genesis>/token:<mint>`. `address` must already be canonical for the chain.
#[must_use]
pub fn token_asset_id(network: Network, address: &str) -> String {
    match network.chain() {
        Chain::Ethereum => format!(
            "eip155:{}/erc20:{}",
            network.evm_chain_id().unwrap_or(0),
            address.to_ascii_lowercase()
        ),
        Chain::Solana => format!("{}/token:{address}", solana_caip2(network)),
    }
}

/// One reason (deny) or warning in a decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Reason {
    /// The policy that produced it, if one did.
    pub policy_id: Option<PolicyId>,
    /// Its type.
    pub policy_type: Option<PolicyType>,
    /// Stable code (`WHITELIST_DENIED`, …).
    pub code: String,
    /// What happened and what to change.
    pub message: String,
    /// For batches: the 0-based index of the instruction it concerns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instruction: Option<u32>,
}

crate::string_enum! {
    /// Why a request needs the owner's approval.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum ApprovalReason {
        /// No fresh price for an asset a USD rule needed.
        UnknownPrice => "unknown_price",
        /// Above the per-transaction `delay_max` ladder.
        PerTx => "per_tx",
        /// The rolling daily USD cap would be exceeded.
        CumulativeDaily => "cumulative_daily",
        /// The rolling monthly USD cap would be exceeded.
        CumulativeMonthly => "cumulative_monthly",
        /// An ACTION_CATEGORY_LIMIT escalated it.
        ActionCategory => "action_category",
        /// REPUTATION_THRESHOLD escalated it.
        Reputation => "reputation",
        /// Approvals default to APPROVAL (or APPROVE_TIER_OVERRIDE said so).
        Approve => "approve",
        /// NFT transfers cannot be priced and need the owner.
        NftTransfer => "nft_transfer",
        /// Contract deployments need the owner.
        ContractDeploy => "contract_deploy",
    }
    field = "approval_reason", what = "an approval reason";
}

/// What the reservation of an allowed request adds to the spend ledger.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Spend {
    /// USD value, when every moved asset had a fresh price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usd: Option<Usd>,
    /// Base units per asset id.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub assets: BTreeMap<String, Amount>,
    /// Action category and its notional USD (ACTION_CATEGORY_LIMIT windows).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Notional USD counted for `category`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category_usd: Option<Usd>,
    /// Whether it is an ERC-8128 signed request (ERC8128 `rate_limit_rpm`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub erc8128: bool,
}

/// The answer of a policy engine. When `allowed` is false, `tier` is `APPROVAL` and
/// `reasons` lists every deny reason; an engine error is a deny reason too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Decision {
    /// Whether the request may proceed (at `tier`).
    pub allowed: bool,
    /// How much friction it gets.
    pub tier: Tier,
    /// For DELAY: seconds of the cancellation window.
    pub delay_seconds: Option<u64>,
    /// For APPROVAL: seconds the owner has (the SPENDING_LIMIT's `approval_timeout`),
    /// `None` for the caller's default.
    pub approval_timeout: Option<u64>,
    /// Every deny reason (empty when allowed).
    pub reasons: Vec<Reason>,
    /// Warnings (e.g. 80 % of a cap reached); they never deny.
    pub warnings: Vec<Reason>,
    /// For APPROVAL: the main reason.
    pub approval_reason: Option<ApprovalReason>,
    /// What the reservation records when the request is admitted.
    pub spend: Spend,
}

impl Decision {
    /// A denial with one reason (used for errors that make deciding impossible).
    #[must_use]
    pub fn deny(reason: Reason) -> Self {
        Self {
            allowed: false,
            tier: Tier::Approval,
            delay_seconds: None,
            approval_timeout: None,
            reasons: vec![reason],
            warnings: Vec::new(),
            approval_reason: None,
            spend: Spend::default(),
        }
    }

    /// The reason codes, in order.
    #[must_use]
    pub fn reason_codes(&self) -> Vec<&str> {
        self.reasons.iter().map(|r| r.code.as_str()).collect()
    }
}

/// Rolling-window totals of one wallet: everything admitted in the last
/// `window_seconds` (in-flight and committed; released reservations count as requests
/// but no longer as spend).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WindowTotals {
    /// Admitted requests.
    pub requests: u64,
    /// Admitted ERC-8128 signed requests.
    #[serde(default)]
    pub erc8128_requests: u64,
    /// USD value (of entries that had one).
    pub usd: Usd,
    /// Base units per asset id.
    #[serde(default)]
    pub assets: BTreeMap<String, Amount>,
    /// Notional USD per action category.
    #[serde(default)]
    pub category_usd: BTreeMap<String, Usd>,
}

impl WindowTotals {
    /// Adds an admitted request (its count and its spend).
    pub fn add(&mut self, spend: &Spend) {
        self.requests = self.requests.saturating_add(1);
        if spend.erc8128 {
            self.erc8128_requests = self.erc8128_requests.saturating_add(1);
        }
        self.add_spend(spend);
    }

    fn add_spend(&mut self, spend: &Spend) {
        if let Some(usd) = spend.usd {
            self.usd = self.usd.saturating_add(usd);
        }
        for (asset, amount) in &spend.assets {
            let slot = self.assets.entry(asset.clone()).or_default();
            *slot = slot.checked_add(*amount).unwrap_or(Amount::MAX);
        }
        if let (Some(cat), Some(usd)) = (&spend.category, spend.category_usd) {
            let slot = self.category_usd.entry(cat.clone()).or_default();
            *slot = slot.saturating_add(usd);
        }
    }

    /// Removes the spend of a released reservation (its request still counts).
    pub fn remove_spend(&mut self, spend: &Spend) {
        if let Some(usd) = spend.usd {
            self.usd = self.usd.saturating_sub(usd);
        }
        for (asset, amount) in &spend.assets {
            if let Some(slot) = self.assets.get_mut(asset) {
                *slot = slot.saturating_sub(*amount);
                if slot.is_zero() {
                    self.assets.remove(asset);
                }
            }
        }
        if let (Some(cat), Some(usd)) = (&spend.category, spend.category_usd)
            && let Some(slot) = self.category_usd.get_mut(cat)
        {
            *slot = slot.saturating_sub(usd);
            if *slot == Usd::ZERO {
                self.category_usd.remove(cat);
            }
        }
    }

    /// Removes a request that left the window; `released` says whether its spend was
    /// already removed.
    pub fn remove(&mut self, spend: &Spend, released: bool) {
        self.requests = self.requests.saturating_sub(1);
        if spend.erc8128 {
            self.erc8128_requests = self.erc8128_requests.saturating_sub(1);
        }
        if !released {
            self.remove_spend(spend);
        }
    }
}

/// The ledger state a decision sees: totals per window length (seconds), and what is
/// in flight. `Default` knows nothing (an engine denies rather than assume zero);
/// [`LedgerSnapshot::empty`] is a wallet without history.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LedgerSnapshot {
    /// Totals by window length in seconds.
    pub windows: BTreeMap<u64, WindowTotals>,
    /// Reservations not yet committed or released (queued, awaiting approval,
    /// executing), whatever their age: per-transaction ladders judge the request plus
    /// these, so concurrent or queued requests cannot split one payment into many
    /// small ones. `None` when unknown.
    #[serde(default)]
    pub in_flight: Option<WindowTotals>,
}

impl LedgerSnapshot {
    /// The snapshot of a wallet without history: nothing in flight, and every window
    /// in `windows` empty.
    #[must_use]
    pub fn empty(windows: &[u64]) -> Self {
        Self {
            windows: windows
                .iter()
                .map(|w| (*w, WindowTotals::default()))
                .collect(),
            in_flight: Some(WindowTotals::default()),
        }
    }
}

/// Rolling day: 86 400 s.
pub const DAILY_WINDOW: u64 = 86_400;
/// Rolling month: 2 592 000 s (30 days).
pub const MONTHLY_WINDOW: u64 = 2_592_000;

/// Everything one decision depends on.
#[derive(Debug, Clone, Copy)]
pub struct PolicyInput<'a> {
    /// The request.
    pub request: &'a PolicyRequest,
    /// Candidate policies (the engine resolves which apply).
    pub policies: &'a [PolicyRecord],
    /// Ledger totals for every window [`PolicyEngine::windows`] asked for.
    pub ledger: &'a LedgerSnapshot,
    /// Prices.
    pub prices: &'a PriceBook,
    /// Current time (Unix seconds).
    pub now: i64,
}

/// A policy engine: pure and infallible. Errors while deciding become deny reasons.
pub trait PolicyEngine: Send + Sync + fmt::Debug {
    /// The rolling windows (seconds) whose totals [`PolicyEngine::evaluate`] needs for
    /// this request under these policies.
    fn windows(&self, request: &PolicyRequest, policies: &[PolicyRecord]) -> Vec<u64>;

    /// Decides. Never panics; any internal error yields `allowed = false`.
    fn evaluate(&self, input: &PolicyInput<'_>) -> Decision;
}

crate::string_enum! {
    /// Status of a spend reservation.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum ReservationStatus {
        /// Admitted, not yet executed (counts toward windows).
        Reserved => "RESERVED",
        /// Executed (counts toward windows).
        Committed => "COMMITTED",
        /// Cancelled, rejected, expired or failed (counts as a request, not as spend).
        Released => "RELEASED",
    }
    field = "status", what = "a reservation status";
}

/// A row of the spend ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Reservation {
    /// The request id.
    pub request_id: TxId,
    /// Wallet.
    pub wallet_id: WalletId,
    /// Network.
    pub network: Network,
    /// Request kind (`TRANSFER`, …).
    pub kind: String,
    /// Tier it was admitted at.
    pub tier: Tier,
    /// Status.
    pub status: ReservationStatus,
    /// What it counts for.
    pub spend: Spend,
    /// When it was reserved.
    pub created_at: i64,
    /// Last status change.
    pub updated_at: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usd_parses_plain_decimals_only() {
        assert_eq!(Usd::parse("12.50").unwrap().to_string(), "12.5");
        assert_eq!(Usd::parse("0").unwrap(), Usd::ZERO);
        assert_eq!(Usd::parse("0.000001").unwrap().to_string(), "0.000001");
        for bad in [
            "", "-1", "+1", "1e3", " 1", "1 ", "1_000", "1,000", "1.", ".5", "1.2.3", "0x10", "١",
        ] {
            let e = Usd::parse(bad).unwrap_err();
            assert_eq!(crate::ErrorCode::code(&e), "INVALID_AMOUNT", "{bad:?}");
        }
        // More significant digits than a 96-bit mantissa holds.
        assert!(Usd::parse("123456789012345678901234567890").is_err());
    }

    #[test]
    fn usd_wire_form_is_a_string_and_numbers_are_read_exactly() {
        let v: Usd = serde_json::from_str("0.1").unwrap();
        assert_eq!(v, Usd::parse("0.1").unwrap());
        let v: Usd = serde_json::from_str("10").unwrap();
        assert_eq!(serde_json::to_string(&v).unwrap(), "\"10\"");
        let v: Usd = serde_json::from_str("\"10.25\"").unwrap();
        assert_eq!(v, Usd::parse("10.25").unwrap());
        assert!(serde_json::from_str::<Usd>("-1").is_err());
        assert!(serde_json::from_str::<Usd>("\"-1\"").is_err());
        assert!(serde_json::from_str::<Usd>("null").is_err());
    }

    #[test]
    fn usd_arithmetic_saturates_safely() {
        let a = Usd::parse("1.5").unwrap();
        assert_eq!(a.saturating_add(a), Usd::parse("3").unwrap());
        assert_eq!(Usd::MAX.saturating_add(a), Usd::MAX);
        assert_eq!(a.saturating_sub(Usd::from_u64(2)), Usd::ZERO);
        assert_eq!(Usd::from_decimal(Decimal::NEGATIVE_ONE), None);
    }

    #[test]
    fn price_freshness_is_inclusive_and_zero_is_unusable() {
        let mut book = PriceBook::default();
        book.quotes.insert(
            "a".into(),
            PriceQuote {
                usd: Usd::from_u64(2),
                source: "t".into(),
                observed_at: 1000,
            },
        );
        book.quotes.insert(
            "z".into(),
            PriceQuote {
                usd: Usd::ZERO,
                source: "t".into(),
                observed_at: 1000,
            },
        );
        assert!(book.fresh("a", 1300).is_some());
        assert!(book.fresh("a", 1301).is_none());
        assert!(book.fresh("a", 700).is_some());
        assert!(book.fresh("a", 699).is_none());
        assert!(book.fresh("z", 1000).is_none());
        assert!(book.fresh("missing", 1000).is_none());
    }

    #[test]
    fn window_totals_add_and_remove() {
        let mut spend = Spend {
            usd: Some(Usd::from_u64(5)),
            category: Some("perp".into()),
            category_usd: Some(Usd::from_u64(7)),
            erc8128: true,
            ..Spend::default()
        };
        spend.assets.insert("x".into(), Amount::from_u64(9));
        let mut t = WindowTotals::default();
        t.add(&spend);
        t.add(&spend);
        assert_eq!(
            (t.requests, t.erc8128_requests, t.usd),
            (2, 2, Usd::from_u64(10))
        );
        t.remove_spend(&spend);
        assert_eq!((t.requests, t.usd), (2, Usd::from_u64(5)));
        t.remove(&spend, true);
        assert_eq!((t.requests, t.usd), (1, Usd::from_u64(5)));
        t.remove(&spend, false);
        assert_eq!(t, WindowTotals::default());
    }

    #[test]
    fn asset_ids() {
        assert_eq!(native_asset_id(Network::BaseMainnet), "native:base-mainnet");
        assert_eq!(
            token_asset_id(
                Network::PolygonMainnet,
                "0xABCDEF0000000000000000000000000000000001"
            ),
            "eip155:137/erc20:0xabcdef0000000000000000000000000000000001"
        );
        assert_eq!(
            token_asset_id(
                Network::SolanaDevnet,
                "So11111111111111111111111111111111111111112"
            ),
            "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1/token:So11111111111111111111111111111111111111112"
        );
    }
}
