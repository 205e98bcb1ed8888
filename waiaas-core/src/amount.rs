//! Exact amounts in base units (U256). No floats anywhere on the money path.

use std::fmt;
use std::str::FromStr;

use ruint::aliases::U256;
use serde::{Deserialize, Serialize};

use crate::error::ValidationError;

/// The most decimals an asset may declare (U256 holds about 77 decimal digits).
pub const MAX_DECIMALS: u8 = 36;

/// An exact, non-negative amount in an asset's base units (lamports, wei, token units).
///
/// Serialized as a decimal digit string, because JSON numbers lose precision past 2^53.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Amount(U256);

fn invalid(input: &str, reason: impl Into<String>) -> ValidationError {
    ValidationError::InvalidAmount {
        input: input.to_owned(),
        reason: reason.into(),
    }
}

impl Amount {
    /// Zero.
    pub const ZERO: Amount = Amount(U256::ZERO);
    /// The largest representable amount (2^256 − 1).
    pub const MAX: Amount = Amount(U256::MAX);

    /// Wraps a raw U256.
    #[must_use]
    pub const fn from_u256(v: U256) -> Self {
        Self(v)
    }

    /// From a `u64`.
    #[must_use]
    pub fn from_u64(v: u64) -> Self {
        Self(U256::from(v))
    }

    /// From a `u128`.
    #[must_use]
    pub fn from_u128(v: u128) -> Self {
        Self(U256::from(v))
    }

    /// The raw U256.
    #[must_use]
    pub const fn as_u256(&self) -> U256 {
        self.0
    }

    /// As `u64`, when it fits.
    #[must_use]
    pub fn to_u64(&self) -> Option<u64> {
        u64::try_from(self.0).ok()
    }

    /// Whether this is zero.
    #[must_use]
    pub fn is_zero(&self) -> bool {
        self.0.is_zero()
    }

    /// Parses base units from ASCII digits only: no sign, no spaces, no decimal point,
    /// no exponent, no hex.
    ///
    /// # Errors
    /// `INVALID_AMOUNT` when `s` is empty, holds anything but ASCII digits, or overflows U256.
    pub fn parse_base_units(s: &str) -> Result<Self, ValidationError> {
        if s.is_empty() {
            return Err(invalid(s, "empty; give a whole number of base units"));
        }
        if !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid(s, "base units must be ASCII digits only"));
        }
        U256::from_str_radix(s, 10)
            .map(Self)
            .map_err(|_| invalid(s, "exceeds 2^256 - 1"))
    }

    /// Parses a human decimal (`"1.5"`) for an asset with `decimals` decimals into base units.
    ///
    /// Accepts `digits` or `digits.digits`; refuses a sign, exponent, whitespace, empty
    /// parts (`".5"`, `"1."`), more fractional digits than the asset has, and overflow.
    ///
    /// # Errors
    /// `INVALID_AMOUNT` naming the problem.
    pub fn parse_human(s: &str, decimals: u8) -> Result<Self, ValidationError> {
        if decimals > MAX_DECIMALS {
            return Err(invalid(
                s,
                format!("asset decimals {decimals} exceed {MAX_DECIMALS}"),
            ));
        }
        let (whole, frac) = match s.split_once('.') {
            Some((w, f)) => (w, f),
            None => (s, ""),
        };
        if whole.is_empty() {
            return Err(invalid(s, "missing whole part; write `0.5`, not `.5`"));
        }
        if s.contains('.') && frac.is_empty() {
            return Err(invalid(s, "missing fractional digits after `.`"));
        }
        let digits_only = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
        if !digits_only(whole) || !digits_only(frac) {
            return Err(invalid(
                s,
                "use plain decimal digits with at most one `.`; no sign, spaces, exponent or separators",
            ));
        }
        if frac.len() > usize::from(decimals) {
            return Err(invalid(
                s,
                format!(
                    "more than {decimals} fractional digits for an asset with {decimals} decimals"
                ),
            ));
        }
        // Right-pad the fraction to `decimals` digits and parse the concatenation.
        let pad = usize::from(decimals).saturating_sub(frac.len());
        let mut joined = String::with_capacity(whole.len().saturating_add(usize::from(decimals)));
        joined.push_str(whole);
        joined.push_str(frac);
        joined.extend(std::iter::repeat_n('0', pad));
        U256::from_str_radix(&joined, 10)
            .map(Self)
            .map_err(|_| invalid(s, "exceeds 2^256 - 1 base units"))
    }

    /// Formats as a human decimal with `decimals` decimals, without trailing zeros
    /// (`1500000000` at 9 decimals is `"1.5"`).
    #[must_use]
    pub fn to_human(&self, decimals: u8) -> String {
        let digits = self.0.to_string();
        let d = usize::from(decimals);
        if d == 0 {
            return digits;
        }
        let padded = if digits.len() <= d {
            let mut p = "0".repeat(d.saturating_sub(digits.len()).saturating_add(1));
            p.push_str(&digits);
            p
        } else {
            digits
        };
        let (whole, frac) = padded.split_at(padded.len().saturating_sub(d));
        let frac = frac.trim_end_matches('0');
        if frac.is_empty() {
            whole.to_owned()
        } else {
            format!("{whole}.{frac}")
        }
    }

    /// `self + rhs`, or `None` on overflow.
    #[must_use]
    pub fn checked_add(self, rhs: Amount) -> Option<Amount> {
        self.0.checked_add(rhs.0).map(Self)
    }

    /// `self × rhs`, or `None` on overflow.
    #[must_use]
    pub fn checked_mul_u64(self, rhs: u64) -> Option<Amount> {
        self.0.checked_mul(U256::from(rhs)).map(Self)
    }

    /// `self - rhs`, or `None` when it would go below zero.
    #[must_use]
    pub fn checked_sub(self, rhs: Amount) -> Option<Amount> {
        self.0.checked_sub(rhs.0).map(Self)
    }

    /// `self - rhs`, floored at zero.
    #[must_use]
    pub fn saturating_sub(self, rhs: Amount) -> Amount {
        Self(self.0.saturating_sub(rhs.0))
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl fmt::Debug for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Amount({})", self.0)
    }
}

impl FromStr for Amount {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse_base_units(s)
    }
}

impl TryFrom<String> for Amount {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse_base_units(&s)
    }
}

impl From<Amount> for String {
    fn from(a: Amount) -> String {
        a.to_string()
    }
}

impl From<u64> for Amount {
    fn from(v: u64) -> Self {
        Self::from_u64(v)
    }
}
