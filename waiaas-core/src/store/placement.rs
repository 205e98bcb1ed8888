//! What placement takes and what it refuses, as data: the caller states what it knows
//! of the request ([`PlacementRules`]); the backend reads the decision, the wallet's
//! owner and the operator settings inside the admission transaction and applies the
//! backend-neutral placement rule (`waiaas_store::rules::placement`).

use crate::amount::Amount;
use crate::chain::Network;
use crate::ids::WalletId;

/// What placement needs to know about a request beyond what the store reads inside the
/// admission transaction (the decision, the wallet's owner, the settings row).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlacementRules {
    /// The request's network (its fee ceiling).
    pub network: Network,
    /// The wallet that signs.
    pub wallet_id: WalletId,
    /// The wallet's address (a durable nonce's authority must be it).
    pub wallet_address: String,
    /// The most the network fee of what will be signed can cost (native base units);
    /// `None` when not known.
    pub max_fee: Option<Amount>,
    /// The durable nonce the transaction consumes (Solana), if any.
    pub durable_nonce: Option<DurableNonceUse>,
    /// It raises an allowance whose total it does not state: only an owner may approve
    /// it (without one, APPROVAL would become a DELAY and increments would add up past
    /// any cap).
    pub needs_owner: bool,
}

/// The durable nonce a Solana transaction consumes: whoever holds `authority` can
/// advance the nonce and so void the transaction before it lands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DurableNonceUse {
    /// The nonce account.
    pub nonce_account: String,
    /// The account that must sign the advance (empty when the instruction names none).
    pub authority: String,
}

/// Why the settings in force (or a missing owner) refuse a request the policies
/// allowed. The row is stored FAILED with [`PlacementRefusal::code`] and
/// [`PlacementRefusal::message`], its reservation released.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlacementRefusal {
    /// The transaction's lifetime is a durable nonce and the operator has not enabled
    /// durable nonces for the wallet.
    DurableNonceNotEnabled {
        /// The wallet.
        wallet_id: WalletId,
        /// The nonce account the transaction uses.
        nonce_account: String,
    },
    /// The durable nonce's authority is not the wallet (the operator could not void a
    /// held-back signature by advancing it).
    DurableNonceAuthority {
        /// The authority the transaction names.
        authority: String,
    },
    /// It raises an allowance whose total is not stated and the wallet has no owner.
    OwnerRequired,
    /// The network fee can exceed the ceiling in force.
    FeeAboveCeiling {
        /// The most the fee can cost.
        fee: Amount,
        /// The ceiling in force.
        ceiling: Amount,
    },
}

impl PlacementRefusal {
    /// The stable error code: `DURABLE_NONCE_NOT_ALLOWED` for a durable nonce,
    /// `VALIDATION_FAILED` otherwise.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::DurableNonceNotEnabled { .. } | Self::DurableNonceAuthority { .. } => {
                "DURABLE_NONCE_NOT_ALLOWED"
            }
            Self::OwnerRequired | Self::FeeAboveCeiling { .. } => "VALIDATION_FAILED",
        }
    }

    /// The request field a validation refusal names (`request`, `fee`); `None` for a
    /// durable nonce.
    #[must_use]
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Self::DurableNonceNotEnabled { .. } | Self::DurableNonceAuthority { .. } => None,
            Self::OwnerRequired => Some("request"),
            Self::FeeAboveCeiling { .. } => Some("fee"),
        }
    }

    /// Why, without the prefix of the error family (the facade's typed error adds it).
    #[must_use]
    pub fn reason(&self) -> String {
        match self {
            Self::DurableNonceNotEnabled {
                wallet_id,
                nonce_account,
            } => format!(
                "the transaction uses durable nonce account `{nonce_account}` and never expires; the operator has not enabled durable nonces for wallet `{wallet_id}`"
            ),
            Self::DurableNonceAuthority { authority } => format!(
                "the nonce authority `{authority}` is not the wallet; only a nonce the wallet can advance is allowed"
            ),
            Self::OwnerRequired => {
                "raises an allowance whose total is not stated; register an owner to approve it"
                    .to_owned()
            }
            Self::FeeAboveCeiling { fee, ceiling } => format!(
                "the network fee can reach `{fee}` base units, above the ceiling of `{ceiling}` now in force"
            ),
        }
    }

    /// The message stored on the row: what the caller's error displays.
    #[must_use]
    pub fn message(&self) -> String {
        match self.field() {
            None => format!("durable nonce not allowed: {}", self.reason()),
            Some(field) => format!("invalid `{field}`: {}", self.reason()),
        }
    }
}
