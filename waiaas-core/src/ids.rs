//! Identifiers: UUIDv7 newtypes, so ids sort by creation time and cannot be mixed up.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::ValidationError;

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident, $field:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(Uuid);

        impl $name {
            /// A fresh, time-ordered (UUIDv7) id.
            #[must_use]
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            /// The underlying UUID.
            #[must_use]
            pub fn as_uuid(&self) -> Uuid {
                self.0
            }

            /// Parses the hyphenated UUID form.
            ///
            /// # Errors
            /// `VALIDATION_FAILED` when `s` is not a hyphenated UUID.
            pub fn parse(s: &str) -> Result<Self, ValidationError> {
                // Only the canonical hyphenated form: no braces, urn: prefix or simple form.
                if s.len() != 36 {
                    return Err(ValidationError::field($field, format!("`{s}` is not a UUID")));
                }
                Uuid::try_parse(s)
                    .map(Self)
                    .map_err(|_| ValidationError::field($field, format!("`{s}` is not a UUID")))
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0.hyphenated())
            }
        }

        impl FromStr for $name {
            type Err = ValidationError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl TryFrom<String> for $name {
            type Error = ValidationError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::parse(&s)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.to_string()
            }
        }
    };
}

uuid_id!(
    /// Identifies a wallet.
    WalletId,
    "wallet_id"
);
uuid_id!(
    /// Identifies an agent session (the JWT `sub` claim).
    SessionId,
    "session_id"
);
uuid_id!(
    /// Identifies a transaction request.
    TxId,
    "tx_id"
);
uuid_id!(
    /// Identifies a policy.
    PolicyId,
    "policy_id"
);
